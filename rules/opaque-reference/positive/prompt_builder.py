def build_prompt(context):
    return "Answer: " + context["vars"]["question"]
