/**
 * Shows the WhatsApp pairing QR code in the terminal (qrcode-terminal has no type
 * declarations, so it is loaded through require with the one function we use typed here).
 */
import { createRequire } from 'node:module';

interface QrCodeTerminal {
  generate(text: string, options: { small: boolean }, callback: (rendered: string) => void): void;
}

const require = createRequire(import.meta.url);

/** Prints the code with instructions to the given stream (stderr by default: stdout may be piped). */
export async function printQr(qr: string, out: NodeJS.WritableStream = process.stderr): Promise<void> {
  const qrcode = require('qrcode-terminal') as QrCodeTerminal;
  const rendered = await new Promise<string>((resolve) => qrcode.generate(qr, { small: true }, resolve));
  out.write(
    `\nScan this with WhatsApp on your phone: Settings → Linked devices → Link a device.\n${rendered}\n` +
      'The code changes every ~20 seconds; a new one is printed when it does.\n',
  );
}
