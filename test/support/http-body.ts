/** Reads a response body as JSON, or keeps the text when it is not JSON ('' for an empty body). */
export async function readJsonOrText(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
