"""The city's own pages: each town's figures side by side, the documents in force across the city, the city's
annual statistics (for the city justice bureau and the city's leaders)."""
