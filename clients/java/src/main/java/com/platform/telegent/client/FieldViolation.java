package com.platform.telegent.client;

/**
 * One broken rule of a rejected request, from the {@code google.rpc.BadRequest} detail.
 *
 * @param field the field's path in proto names, e.g. {@code account_id} (REST JSON spells it
 *     {@code accountId})
 * @param ruleId the protovalidate rule that failed, e.g. {@code string.pattern}
 * @param description a message that is safe to show to a person
 */
public record FieldViolation(String field, String ruleId, String description) {}
