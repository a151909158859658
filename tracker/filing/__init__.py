"""Filing (备案) with the city justice bureau: packet, submission, result, correction."""
