import assert from "node:assert/strict";
import { structuredCheck, validatorLoading } from "./_structured.ts";

const schemaFormat = (schema: unknown) => ({
  responseFormat: { type: "json_schema", json_schema: { name: "s", schema } },
});

// First in the file: nothing is loaded yet in this module instance.
Deno.test("structuredCheck: Ajv loads only when a schema is asked for; a check before the load says so", async () => {
  assert.equal(validatorLoading(), null, "nothing loads at import");
  const obj = structuredCheck({ responseFormat: { type: "json_object" } })!;
  assert.equal(validatorLoading(), null, "json_object needs no validator");
  assert.deepEqual(obj("{}"), { valid: true });
  const check = structuredCheck(schemaFormat({
    $schema: "https://json-schema.org/draft/2019-09/schema",
    type: "object",
    required: ["a"],
  }))!;
  const loading = validatorLoading();
  assert.ok(loading instanceof Promise, "a schema starts the load");
  assert.deepEqual(check('{"a":1}'), {
    valid: false,
    error:
      "the JSON Schema validator (npm:ajv@^8) has not loaded yet: await validatorLoading() first",
  });
  await loading;
  assert.equal(validatorLoading(), null);
  assert.deepEqual(check('{"a":1}'), { valid: true });
  assert.match(check("{}").error!, /must have required property 'a'/);
});

Deno.test("structuredCheck: requests that ask for no structured output get no check", () => {
  assert.equal(structuredCheck(), undefined);
  assert.equal(structuredCheck({}, {}), undefined);
  assert.equal(structuredCheck({ extra: { top_k: 5 } }, { min_tokens: 3 }), undefined);
  assert.equal(structuredCheck({ responseFormat: { type: "text" } }), undefined);
  assert.equal(structuredCheck(undefined, { guided_regex: "[a-z]+" }), undefined);
  assert.equal(structuredCheck(undefined, { grammar: { type: "regex", value: "a+" } }), undefined);
  assert.equal(structuredCheck(undefined, { structured_outputs: { regex: "a+" } }), undefined);
  // An item's extra can turn the run's response_format off.
  assert.equal(
    structuredCheck({ extra: { response_format: { type: "text" } } }, {
      response_format: { type: "json_object" },
    }),
    undefined,
  );
});

Deno.test("structuredCheck: json_object wants one JSON object, whitespace around it allowed", () => {
  const check = structuredCheck({ responseFormat: { type: "json_object" } })!;
  assert.deepEqual(check('\n {"a": [1, 2]} \n'), { valid: true });
  assert.deepEqual(check("[1]"), { valid: false, error: "expected a JSON object, got an array" });
  assert.deepEqual(check("null"), { valid: false, error: "expected a JSON object, got null" });
  assert.deepEqual(check("3"), { valid: false, error: "expected a JSON object, got number" });
  const cut = check('{"name": "Ad');
  assert.equal(cut.valid, false);
  assert.match(cut.error!, /^not JSON \(.+\): "\{\\"name\\": \\"Ad" \(12 characters\)$/);
  assert.match(check("").error!, /^not JSON .*\(0 characters\)$/);
  // A long text is shown by its two ends.
  const long = `{"a": "${"x".repeat(500)}`;
  const e = check(long).error!;
  assert.ok(e.length < 200, e);
  assert.match(e, /…x+" \(507 characters\)$/);
});

Deno.test("structuredCheck: json_schema is checked against the schema (2020-12 when no $schema), with the path of the first problem", async () => {
  const check = structuredCheck(schemaFormat({
    type: "object",
    properties: {
      name: { type: "string", maxLength: 5 },
      pair: { type: "array", prefixItems: [{ type: "integer" }, { type: "string" }], items: false },
      kind: { $ref: "#/$defs/kind" },
    },
    required: ["name"],
    additionalProperties: false,
    $defs: { kind: { enum: ["a", "b"] } },
  }))!;
  await validatorLoading();
  assert.deepEqual(check('{"name":"Ada","pair":[1,"x"],"kind":"a"}'), { valid: true });
  assert.deepEqual(check('{"name":"Ada","pair":[1,"x", 3]}'), {
    valid: false,
    error: "not valid against the schema: output/pair must NOT have more than 2 items",
  });
  assert.match(
    check('{"name":"Adalbert"}').error!,
    /output\/name must NOT have more than 5 characters/,
  );
  assert.match(
    check('{"name":"A","kind":"c"}').error!,
    /output\/kind must be equal to one of the allowed values/,
  );
  assert.match(check('{"name":"A","x":1}').error!, /must NOT have additional properties/);
  assert.match(check('{"name": 1').error!, /^not JSON/);
});

Deno.test("structuredCheck: a draft-07 schema is checked as draft-07 (tuple items), a draft-04 one is refused", async () => {
  const check = structuredCheck(schemaFormat({
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "array",
    items: [{ type: "integer" }, { type: "string" }],
    additionalItems: false,
  }))!;
  await validatorLoading();
  assert.deepEqual(check('[1, "a"]'), { valid: true });
  assert.match(check("[1, 2]").error!, /output\/1 must be string/);
  assert.match(check('[1, "a", 3]').error!, /must NOT have more than 2 items/);
  assert.throws(
    () => structuredCheck(schemaFormat({ $schema: "http://json-schema.org/draft-04/schema#" })),
    {
      name: "TypeError",
      message: "Cannot check structured output: the JSON schema's '$schema' must name draft-07, " +
        '2019-09 or 2020-12 (or be absent: 2020-12), got "http://json-schema.org/draft-04/schema#"',
    },
  );
});

Deno.test("structuredCheck: the schema from llama.cpp's json_object, vLLM's guided_json and structured_outputs, TGI's grammar", async () => {
  const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] };
  const checks = [
    structuredCheck({ responseFormat: { type: "json_object", schema } }),
    structuredCheck(undefined, { guided_json: schema }),
    structuredCheck(undefined, { guided_json: JSON.stringify(schema) }), // vLLM takes its text too
    structuredCheck({ extra: { structured_outputs: { json: schema } } }),
    structuredCheck(undefined, { grammar: { type: "json", value: schema } }),
  ];
  await validatorLoading();
  for (const [i, check] of checks.entries()) {
    assert.ok(check, `case ${i}`);
    assert.deepEqual(check('{"n": 2}'), { valid: true }, `case ${i}`);
    assert.match(check('{"n": 2.5}').error!, /output\/n must be integer/, `case ${i}`);
  }
});

Deno.test("structuredCheck: what is sent wins: extra's response_format over the item's, the item's extra over the run's", async () => {
  const integer = {
    responseFormat: { type: "json_schema", json_schema: { schema: { type: "integer" } } },
  };
  const fromRunExtra = structuredCheck(integer, {
    response_format: { type: "json_schema", json_schema: { schema: { type: "string" } } },
  })!;
  const fromItemExtra = structuredCheck(
    { ...integer, extra: { guided_json: { type: "boolean" } } },
    { guided_json: { type: "null" } },
  )!;
  await validatorLoading();
  assert.deepEqual(fromRunExtra('"s"'), { valid: true });
  assert.equal(fromRunExtra("1").valid, false);
  // response_format (the item's) comes before guided_json in what is checked.
  assert.deepEqual(fromItemExtra("1"), { valid: true });
  const guided = structuredCheck({ extra: { guided_json: { type: "boolean" } } }, {
    guided_json: { type: "null" },
  })!;
  await validatorLoading();
  assert.deepEqual(guided("true"), { valid: true });
  assert.equal(guided("null").valid, false);
});

Deno.test("structuredCheck: each distinct schema is compiled once (a schema with an $id would clash if compiled twice)", async () => {
  const schema = () => ({
    $id: "https://example.com/answer.json",
    type: "object",
    required: ["a"],
  });
  const a = structuredCheck(schemaFormat(schema()))!;
  const b = structuredCheck(undefined, { guided_json: schema() })!;
  await validatorLoading();
  assert.deepEqual(a('{"a":1}'), { valid: true });
  assert.deepEqual(b('{"a":1}'), { valid: true });
  assert.equal(b("{}").valid, false);
  // Boolean schemas are schemas too.
  const never = structuredCheck(schemaFormat(false))!;
  await validatorLoading();
  assert.match(never("{}").error!, /boolean schema is false/);
});

Deno.test("structuredCheck: a schema that does not compile makes every response invalid, saying why", async () => {
  const check = structuredCheck(schemaFormat({ type: "nonsense" }))!;
  await validatorLoading();
  const r = check("{}");
  assert.equal(r.valid, false);
  assert.match(r.error!, /^the JSON schema does not compile \(Ajv\): .*type/);
});

Deno.test("structuredCheck: malformed requests are refused with what was expected and given", () => {
  assert.throws(() => structuredCheck({ responseFormat: { type: "json_schema" } }), {
    name: "TypeError",
    message: /'json_schema' must have 'json_schema.schema', got \{"type":"json_schema"\}/,
  });
  assert.throws(() => structuredCheck(undefined, { response_format: "json" }), {
    name: "TypeError",
    message: /'response_format' must be an object, got "json"/,
  });
  assert.throws(() => structuredCheck(undefined, { guided_json: "{not json" }), {
    name: "TypeError",
    message:
      /'guided_json' must be a JSON schema \(an object, or its JSON text\), got a string that is not JSON: "\{not json"/,
  });
  assert.throws(() => structuredCheck(schemaFormat([1])), {
    name: "TypeError",
    message: /'response_format.json_schema.schema' must be a JSON schema \(an object\), got \[1\]/,
  });
});

Deno.test("structuredCheck: the excerpt of a response that is not JSON is redacted like any message in the results", () => {
  const check = structuredCheck({ responseFormat: { type: "json_object" } })!;
  const e = check('{"api_key": "sk-splleed-Abc9Kq2Lm5Vn7Tz').error!;
  assert.match(e, /^not JSON/);
  assert.doesNotMatch(e, /Abc9Kq2Lm5Vn7Tz/);
});
