package com.platform.telegent.client;

/**
 * One broken rule of a rejected request, from the {@code google.rpc.BadRequest} detail. The same
 * three fields, under the same names, as the TypeScript and Python clients' field violations.
 *
 * @param field the field's path in proto names, e.g. {@code account_id} (REST JSON spells it
 *     {@code accountId})
 * @param ruleId the rule that failed, e.g. {@code string.pattern}
 * @param message a message that is safe to show to a person
 */
public record FieldViolation(String field, String ruleId, String message) {}
