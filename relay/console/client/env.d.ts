/** Modules the console's build provides (scripts/build-console.ts). */
declare module 'virtual:policy-validator' {
  interface AjvError { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }
  /** policies/policy.schema.json compiled by ajv (standalone): sets `errors` when it returns false. */
  const validate: ((data: unknown) => boolean) & { errors?: AjvError[] | null };
  export default validate;
}
declare module '*.css';
