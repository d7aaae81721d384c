import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import { GatewayError } from '../errors';

const ajv = new Ajv({ allErrors: false, strict: false });

/** A compiled body validator: returns the typed body or throws GatewayError INVALID_BODY with a readable message. */
export type BodyValidator<T> = (body: unknown) => T;

/**
 * Compiles a JSON Schema into a validator for request bodies. `T` is the TypeScript shape the
 * schema describes; the schema stays the single source of truth for the OpenAPI document.
 */
export function bodyValidator<T>(schema: object): BodyValidator<T> {
  const validate = ajv.compile(schema as JSONSchemaType<T>);
  return (body: unknown): T => {
    // A request without a body (GET, or POST with nothing) reads as an empty object.
    const value = body === undefined ? {} : body;
    if (validate(value)) return value as T;
    throw new GatewayError('INVALID_BODY', describe(validate.errors?.[0]));
  };
}

/** Turns ajv's first error into a sentence a user can act on. */
function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid request body';
  const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  switch (error.keyword) {
    case 'required':
      return `${(error.params as { missingProperty: string }).missingProperty} is required`;
    case 'type':
      return field === '' ? 'the body must be a JSON object' : `${field} must be ${(error.params as { type: string }).type}`;
    case 'enum':
      return `${field} must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return `${field === '' ? 'body' : field} ${error.message ?? 'is invalid'}`;
  }
}
