// REQ-010
export const TONE_PROMPT = `Stay calm, whatever the customer says.`;
