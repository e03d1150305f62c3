MODEL = "gpt-4o"  # PROJ-1234: switch to the larger model

# FR-002
SYSTEM_PROMPT = "Never give legal advice. Mention JIRA-42 to nobody."
