/**
 * The gateway: an Upstash-REST-compatible HTTP server for Node in front of a real Redis, so edge
 * code and the official `@upstash/redis` client reach self-hosted Redis.
 */

export { aclSetUserLine } from "./acl-check.js";
export type { GatewayApp, GatewayAppOptions } from "./app.js";
export { createGatewayApp } from "./app.js";
export type { Access, Authenticator } from "./auth.js";
export { bearerToken, createAuthenticator } from "./auth.js";
export type { CommandSpec, CommandTable } from "./command-table.js";
export { loadCommandTable, parseCommandTable } from "./command-table.js";
export type { JsonReply } from "./encoding.js";
export { encodeReply } from "./encoding.js";
export type { Gateway } from "./gateway.js";
export { createGateway } from "./gateway.js";
export type { GatewayOptions, RedisSource, ResolvedGatewayOptions } from "./options.js";
export { gatewayOptionsSchema, parseGatewayOptions } from "./options.js";
export type { CommandClass, PolicySettings, Restriction, Verdict } from "./policy.js";
export { allowSet, checkCommand, checkCommands, classify } from "./policy.js";
export { GatewayRefusal } from "./policy-loader.js";
export type { Listener, ListenOptions } from "./server.js";
export type { TopologySource } from "./topology.js";
