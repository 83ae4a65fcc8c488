"""ISO 20022 messaging: pacs.008 and pacs.009 in (strictly parsed, validated against the official
schemas, mapped to payments); status reports, returns and statements out."""
