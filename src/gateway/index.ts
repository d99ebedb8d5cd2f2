/**
 * The gateway: an Upstash-REST-compatible HTTP server for Node in front of a real Redis, so edge
 * code and the official `@upstash/redis` client reach self-hosted Redis.
 */
export type { GatewayApp, GatewayAppOptions } from "./app.js";
export { createGatewayApp } from "./app.js";
export type { Access, Authenticator } from "./auth.js";
export { bearerToken, createAuthenticator } from "./auth.js";
export type { CommandClass, CommandPolicy, Rejection, Restriction } from "./commands.js";
export { allowSet, checkCommand, checkCommands, classifyCommand } from "./commands.js";
export type { JsonReply } from "./encoding.js";
export { encodeReply } from "./encoding.js";
export type { Gateway } from "./gateway.js";
export { createGateway } from "./gateway.js";
export type { GatewayOptions, RedisSource, ResolvedGatewayOptions } from "./options.js";
export { gatewayOptionsSchema, parseGatewayOptions } from "./options.js";
export type { Listener, ListenOptions } from "./server.js";
export type { TopologySource } from "./topology.js";
