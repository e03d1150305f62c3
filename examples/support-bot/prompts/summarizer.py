"""Prompt used to summarise a finished conversation for the support team."""

MODEL = "gpt-4o-mini"  # PROJ-1234: switch to the larger model for long chats

# FR-006
SUMMARY_PROMPT = """Summarise the conversation below for the support team in at most 120 words.
Mention the order number and whether a refund was issued."""


def build_messages(conversation: str) -> list[dict]:
    return [
        {"role": "system", "content": SUMMARY_PROMPT},
        {"role": "user", "content": conversation},
    ]
