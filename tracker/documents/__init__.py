"""The register: documents, their versions, attachments, legal bases and relations."""
