package io.github.eventsforward.internal;

import io.github.eventsforward.EventRow;

/**
 * A row and its JSON object, written once when the row is made: a request body is then
 * the rows' JSON joined, so that writing it does not hold back the next request, and a
 * batch that is split or retried is not written again.
 *
 * @param row the row
 * @param json the row as a UTF-8 JSON object
 */
record EncodedRow(EventRow row, byte[] json) {

}
