/**
 * The vocabulary of the Pansaar Redis functions as Java types: what their calls take beyond keys, and their
 * replies, decoded. {@link io.pansaar.redis.PansaarFunctions} builds every call and decodes every reply into these;
 * each function's Lua header under {@code src/main/resources/redis/functions} is the contract they follow.
 */
package io.pansaar.redis.function;
