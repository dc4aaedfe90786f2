// send_points.hpp: the insertion points of a sending BGP speaker, with
// xBGP's names, arguments and return values, run on mempool's runtime: the
// plugin side of the exporter's ExportPoints (src/bgp/export/export_points.hpp).
//
// | point                   | when (per best route and neighbour)    | helpers see                                  | result used                         |
// | bgp_pre_outbound_filter | first, before the RFC 4271/4456 rules  | get_peer_info: the DESTINATION neighbour     | PLUGIN_FILTER_REJECT: not sent;     |
// |                         |                                        | (n = 1); get_src_peer_info: the route's      | ACCEPT: sent even iBGP to iBGP;     |
// |                         |                                        | source peer; get_prefix, get_attr_from_code, | UNKNOWN (the fallback): the rules   |
// |                         |                                        | get_bgp_route(NEW); set_attr/add_attr change |                                     |
// |                         |                                        | the route for this neighbour only            |                                     |
// | bgp_outbound_filter     | after the rules and the host's         | the same                                     | REJECT: not sent; else (fallback    |
// |                         | attribute changes                      |                                              | ACCEPT) sent                        |
// | bgp_encode_attr         | once per attribute plugins stored on   | the same, and get_attr(): that attribute;    | the bytes written with              |
// |                         | the route (at receiving points or for  | write_to_buffer(p, n) appends n bytes (0, or | write_to_buffer, if whole           |
// |                         | this neighbour), in code order         | -1: nothing, more than 4096 in a run)        | attributes; the value (0..4096,     |
// |                         |                                        |                                              | bytes written) is checked only      |
// | bgp_encode_custom_attr  | once, after bgp_encode_attr            | the same, no get_attr()                      | the same                            |
//
// As in xbgp_frr: the arguments are hidden (helpers read them); an
// attribute a plugin stored is sent only if an encode plugin writes it
// (the fallback writes nothing: the host does not know how to encode a
// plugin's attribute); what is written is merged into the host's
// attributes, an attribute replacing the host's of its code. Bytes written
// by a run that a run-time check stopped, or that are not whole attributes,
// are dropped (the plugin's failures() counts the first kind). Each point
// has pre, replace and post anchors; a value a point cannot use is refused
// by its ResultCheck and the fallback decides.
//
// The local speaker get_peer_info()->local_bgp_session describes is the
// export configuration's. schedule_bgp_message(type, msg, peer_ip) sends a
// message of `type` with msg->buf_len bytes at msg->buf (after the 19-byte
// header) to the neighbour at peer_ip: written to --updates-out at the
// time of the record being replayed; 0, or -1 if there is no such
// neighbour or the message is empty or larger than 4096 bytes.
//
// Nothing attached costs nothing: active() is false and the exporter never
// calls these (it shares its per-class attribute work then).
//
//   SendPoints send(runtime);           // before load_manifest: declares the points
//   send.set_local_speaker(config.local);
//   Exporter exporter(config, replay, hooks, send.active() ? &send : nullptr, writer);
//   send.set_message_sink([&](const IpAddress& a, std::uint8_t t, Bytes b) { return exporter.send_message(a, t, b); });
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include "call_context.hpp"
#include "export_points.hpp"
#include "route_attributes.hpp"

namespace mempool::bgp::xbgp {

class SendPoints final : public ExportPoints {
public:
    using MessageSink = std::function<bool(const IpAddress& neighbour, std::uint8_t type, Bytes body)>;

    // Declares the four points on `rt` and registers schedule_bgp_message.
    // `rt` must outlive this object.
    explicit SendPoints(mempool::Runtime& rt);
    ~SendPoints() override;
    SendPoints(const SendPoints&) = delete;
    SendPoints& operator=(const SendPoints&) = delete;

    void set_local_speaker(const LocalSpeakerConfig& local) noexcept;
    // Where schedule_bgp_message sends (Exporter::send_message); none: -1.
    void set_message_sink(MessageSink sink) { sink_ = std::move(sink); }

    [[nodiscard]] bool active() const override;
    OutboundVerdict bgp_pre_outbound_filter(const OutboundRoute& route, const Neighbour& to, std::uint32_t n) override;
    OutboundVerdict bgp_outbound_filter(const OutboundRoute& route, const Neighbour& to, std::uint32_t n,
                                        const OutgoingAttributes& attrs) override;
    void plugin_attributes(const OutboundRoute& route, const Neighbour& to, std::uint32_t n,
                           const OutgoingAttributes& attrs, std::vector<std::uint8_t>& out) override;

    // The helper's work (schedule_bgp_message), for the one registered.
    [[nodiscard]] bool schedule(const IpAddress& neighbour, std::uint8_t type, Bytes body);

private:
    // The context of one call for (route, neighbour).
    CallContext context_for(const OutboundRoute& route, const Neighbour& to, RouteRef& ref);
    OutboundVerdict run_filter(mempool::PointId point, const OutboundRoute& route, const Neighbour& to,
                               std::uint64_t host_value);
    // Runs an encoding point; appends what it wrote, if usable, to `out`.
    void run_encoder(mempool::PointId point, CallContext& ctx, std::vector<std::uint8_t>& out);

    mempool::Runtime& rt_;
    mempool::PointId pre_outbound_, outbound_, encode_attr_, encode_custom_;
    PeerData local_;
    PeerData source_;       // the route's source peer, as get_src_peer_info shows it
    PeerData destination_;  // the neighbour, as get_peer_info shows it
    // The route's plugin attributes for the neighbour being decided: a copy
    // of the route's (made by bgp_pre_outbound_filter), which the outbound
    // filters' set_attr/add_attr change.
    mempool::Pool outgoing_;
    RouteAttributes scratch_;
    std::vector<std::uint8_t> written_;  // one encoding run's write_to_buffer bytes
    std::vector<WireAttribute> stored_;
    std::vector<std::uint8_t> stored_bytes_;  // copies of stored_'s values (plugin_attributes)
    MessageSink sink_;
};

}  // namespace mempool::bgp::xbgp
