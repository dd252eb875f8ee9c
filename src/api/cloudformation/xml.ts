/**
 * CloudFormation's Query-protocol answers: `<XResponse><XResult>…</XResult><ResponseMetadata>`,
 * lists as `<member>` elements, and errors as `<ErrorResponse><Error><Type>Sender</Type>…`,
 * which botocore and the SDKs parse (botocore's cloudformation service model).
 */
import { escapeXml } from '../iam/shapes.js';
import type { ServiceResponse } from '../services/types.js';

export const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** A value as XML text; undefined and '' give no element. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined || value === '') return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A list member: `<Name><member>…</member>…</Name>`, each item already XML. */
export function members(name: string, items: readonly string[]): string {
  return `<${name}>${items.map((i) => `<member>${i}</member>`).join('')}</${name}>`;
}

/** A list of strings: `<Name><member>text</member>…</Name>`. */
export function textMembers(name: string, items: readonly string[]): string {
  return members(name, items.map((i) => escapeXml(i)));
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export function ok(action: string, requestId: string, result: string): ServiceResponse {
  const inner = `<${action}Result>${result}</${action}Result>`;
  return xml(200, requestId, `<${action}Response xmlns="${NS}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`);
}

export function errorResponse(status: number, code: string, message: string, requestId: string): ServiceResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return xml(status, requestId, `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
}

function xml(status: number, requestId: string, body: string): ServiceResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId }, body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`) };
}
