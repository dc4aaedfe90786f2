/*
 * bgp_plugins.h -- what the shipped plugins and a BGP host agree on.
 *
 * Included by the plugins (compiled for BPF) and by hosts (C or C++): the
 * insertion points' argument layouts, the pool keys the plugins use, and the
 * meaning of route_compare's return value. Nothing here is a pointer.
 *
 * Global pool keys are 32 bits: a counter id in the top 8 bits and a peer
 * index in the low 24, so one pool holds every peer's figures:
 *
 *     key = (counter << 24) | peer          (peer < 2^24)
 *
 * Example (host side, after a replay):
 *
 *     uint64_t updates = get_mempool_u64(global, BGP_KEY(BGP_COUNTER_UPDATES, peer));
 *     uint64_t share   = get_mempool_u64(global, BGP_KEY(BGP_COUNTER_SHARE_PERMILLE, peer));
 */
#ifndef MEMPOOL_BGP_PLUGINS_H
#define MEMPOOL_BGP_PLUGINS_H

/* ---- BGP message types (RFC 4271, 4.1) ---- */
#define BGP_MSG_OPEN 1
#define BGP_MSG_UPDATE 2
#define BGP_MSG_NOTIFICATION 3
#define BGP_MSG_KEEPALIVE 4

/* ---- Insertion points and their arguments (slot indices) ---- */

/* "bgp_message": every BGP message from a peer. */
#define BGP_MESSAGE_ARG_TYPE 0      /* u8: BGP_MSG_* */
#define BGP_MESSAGE_ARG_PEER 1      /* u32: peer index */
#define BGP_MESSAGE_ARG_TIME 2      /* u64: timestamp, seconds */

/* "route_received": every announced route. The object pool
 * MEMPOOL_OBJ_FIRST is the route's attribute pool. */
#define ROUTE_RECEIVED_ARG_PATH_LEN 0  /* u32: L, AS path length as issue 4 counts it */
#define ROUTE_RECEIVED_ARG_ORIGIN 1    /* u8: 0 IGP, 1 EGP, 2 INCOMPLETE */
#define ROUTE_RECEIVED_ARG_PEER 2      /* u32: peer index */

/* "route_compare": no arguments needed; MEMPOOL_OBJ_FIRST and
 * MEMPOOL_OBJ_SECOND are the two routes' attribute pools. The last plugin's
 * return value says which route it prefers: */
#define ROUTE_PREFER_NONE 0
#define ROUTE_PREFER_FIRST 1
#define ROUTE_PREFER_SECOND 2

/* "peer_report": once per peer at the end of a replay. */
#define PEER_REPORT_ARG_PEER 0      /* u32: peer index */

/* ---- Global pool keys ---- */
#define BGP_PEER_MASK 0x00ffffffu
#define BGP_KEY(counter, peer) ((((uint32_t)(counter)) << 24) | ((uint32_t)(peer) & BGP_PEER_MASK))

/* The specification's key: UPDATE messages of all peers (plugin A). */
#define UPDATE_MSG_KEY 2
#define BGP_COUNTER_UPDATES 1        /* per peer: UPDATE messages (plugin A) */
#define BGP_COUNTER_SHARE_PERMILLE 2 /* per peer: 1000 * updates / all updates (plugin B) */

/* ---- Route attribute pool keys ---- */
#define ROUTE_ATTR_METRIC 1          /* u64: 4 * L + origin (plugin C) */

#endif /* MEMPOOL_BGP_PLUGINS_H */
