/**
 * What a person's browser does in the QuickBooks connect flow: follow one redirect at a time (fetch with
 * `redirect: 'manual'`), read the consent page's form, and submit it as the browser would. Every request
 * is recorded, so a test can assert the URL/status sequence a person goes through.
 *
 * The form reader is a few regular expressions over the emulator's own markup
 * (sandbox/src/oauth/authorize-page.ts), not a general HTML parser: no HTML parser is installed, and the
 * page is ours and small. It fails loudly when the markup it expects is missing.
 */

export interface BrowserStep {
  method: 'GET' | 'POST';
  url: string;
  status: number;
  /** The absolute Location of a redirect. */
  location?: string;
}

export interface BrowserResponse extends BrowserStep {
  headers: Headers;
  text: string;
}

export class Browser {
  readonly steps: BrowserStep[] = [];

  async get(url: string): Promise<BrowserResponse> {
    return this.send('GET', url);
  }

  /** Submits a form the way a browser does: URL-encoded fields to its action. */
  async submit(form: HtmlForm, fields: Record<string, string>): Promise<BrowserResponse> {
    if (form.method !== 'post') throw new Error(`expected a POST form, got ${form.method}`);
    return this.send('POST', form.action, new URLSearchParams(fields).toString());
  }

  private async send(method: 'GET' | 'POST', url: string, body?: string): Promise<BrowserResponse> {
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body,
    });
    const text = await response.text();
    const header = response.headers.get('location');
    const step: BrowserStep = {
      method,
      url,
      status: response.status,
      ...(header === null ? {} : { location: new URL(header, url).toString() }),
    };
    this.steps.push(step);
    return { ...step, headers: response.headers, text };
  }
}

export interface HtmlForm {
  /** Absolute URL the form posts to. */
  action: string;
  method: string;
  /** `<input type="hidden">` fields, sent as they are. */
  hidden: Record<string, string>;
  /** Radio buttons: what the person can pick. */
  choices: { name: string; value: string; label: string; checked: boolean }[];
  /** Submit buttons: `name=value` of the one pressed is sent. */
  buttons: { name: string; value: string; label: string }[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ENTITIES[name] ?? '');
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)) {
    attributes[match[1]!.toLowerCase()] = decode(match[2] ?? '');
  }
  return attributes;
}

const textOf = (html: string) =>
  decode(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();

/** The one form of a page, as a browser would submit it. */
export function readForm(html: string, pageUrl: string): HtmlForm {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  if (forms.length !== 1) throw new Error(`expected one form on ${pageUrl}, found ${forms.length}`);
  const [, formTag = '', body = ''] = forms[0]!;
  const formAttributes = attributesOf(formTag);
  const form: HtmlForm = {
    action: new URL(formAttributes.action ?? '', pageUrl).toString(),
    method: (formAttributes.method ?? 'get').toLowerCase(),
    hidden: {},
    choices: [],
    buttons: [],
  };
  for (const [, labelBody = ''] of body.matchAll(/<label\b[^>]*>([\s\S]*?)<\/label>/g)) {
    const input = /<input\b([^>]*)>/.exec(labelBody);
    const attributes = attributesOf(input?.[1] ?? '');
    if (attributes.type !== 'radio' || !attributes.name) continue;
    form.choices.push({
      name: attributes.name,
      value: attributes.value ?? '',
      label: textOf(labelBody),
      checked: 'checked' in attributes,
    });
  }
  for (const [, tag = ''] of body.matchAll(/<input\b([^>]*)>/g)) {
    const attributes = attributesOf(tag);
    if (attributes.type === 'hidden' && attributes.name)
      form.hidden[attributes.name] = attributes.value ?? '';
  }
  for (const [, tag = '', label = ''] of body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/g)) {
    const attributes = attributesOf(tag);
    if ((attributes.type ?? 'submit') !== 'submit' || !attributes.name) continue;
    form.buttons.push({ name: attributes.name, value: attributes.value ?? '', label: textOf(label) });
  }
  return form;
}

/**
 * The fields a person sends by picking the company whose option mentions `realmId` and pressing the
 * button labelled `buttonLabel`. Throws when the page offers neither, as a person would be stuck.
 */
export function choose(
  form: HtmlForm,
  realmId: string | undefined,
  buttonLabel: string,
): Record<string, string> {
  const fields = { ...form.hidden };
  if (realmId !== undefined) {
    const choice = form.choices.find((c) => c.value === realmId);
    if (!choice) throw new Error(`the consent page offers no company ${realmId}`);
    fields[choice.name] = choice.value;
  }
  const button = form.buttons.find((b) => b.label === buttonLabel);
  if (!button) throw new Error(`the consent page has no "${buttonLabel}" button`);
  fields[button.name] = button.value;
  return fields;
}
