using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents.Builtin;

/// <summary>The <c>choria_util</c> agent (docs/agents.md): info, machine_states, machine_state, machine_transition.</summary>
internal static class ChoriaUtilAgent
{
    public static McorpcAgent Create(IServerInfo server, McorpcAgentOptions options, ILogger logger)
    {
        var agent = new McorpcAgent(BuiltinMetadata.Create("choria_util", "Choria Utilities", 10, server.Version), BuiltinMetadata.Ddl("choria_util"), options, logger);

        agent.RegisterAction("info", (_, _) =>
        {
            var c = server.Connector();
            var data = new JsonObject
            {
                ["security"] = "choria",
                ["connector"] = "choria",
                ["client_version"] = c.ClientVersion,
                ["client_flavour"] = c.ClientFlavour,
                ["client_options"] = new JsonObject
                {
                    ["servers"] = RpcutilAgent.Strings(c.Servers),
                    ["dont_randomize_servers"] = c.DontRandomizeServers,
                    ["name"] = c.Name,
                    ["pedantic"] = c.Pedantic,
                    ["secure"] = c.Secure,
                    ["allow_reconnect"] = c.AllowReconnect,
                    ["max_reconnect_attempts"] = c.MaxReconnectAttempts,
                    ["reconnect_time_wait"] = c.ReconnectTimeWaitSeconds,
                    ["connect_timeout"] = c.ConnectTimeoutSeconds,
                    ["ping_interval"] = c.PingIntervalSeconds,
                    ["max_outstanding_pings"] = c.MaxOutstandingPings,
                },
                ["client_stats"] = new JsonObject
                {
                    ["in_msgs"] = c.InMsgs,
                    ["out_msgs"] = c.OutMsgs,
                    ["in_bytes"] = c.InBytes,
                    ["out_bytes"] = c.OutBytes,
                    ["reconnects"] = c.Reconnects,
                },
                ["connected_server"] = server.ConnectedServer,
                ["facter_domain"] = c.FacterDomain,
                ["facter_command"] = c.FacterCommand,
                ["srv_domain"] = c.SrvDomain,
                ["using_srv"] = c.UsingSrv,
                ["middleware_servers"] = RpcutilAgent.Strings(c.MiddlewareServers),
                ["path"] = Environment.GetEnvironmentVariable("PATH") ?? "",
                ["choria_version"] = $"choria {server.Version}",
                ["secure_protocol"] = c.SecureProtocol,
                ["connector_tls"] = c.ConnectorTls,
            };

            return ValueTask.FromResult(c.MiddlewareError is null
                ? ActionReply.Ok(data)
                : ActionReply.Fail(RpcStatus.Aborted, $"Could not determine middleware servers: {c.MiddlewareError}", data));
        });

        agent.RegisterAction("machine_states", (_, _) =>
        {
            var states = server.Machines?.States() ?? [];
            var byId = new JsonObject();
            foreach (var s in states)
            {
                byId[s.Id] = StateJson(s);
            }

            return ValueTask.FromResult(ActionReply.Ok(new JsonObject
            {
                ["machine_ids"] = RpcutilAgent.Strings(states.Select(s => s.Id)),
                ["machine_names"] = RpcutilAgent.Strings(states.Select(s => $"{s.Name} {s.Version}")),
                ["states"] = byId,
            }));
        });

        agent.RegisterAction("machine_state", (req, _) =>
        {
            var unknown = new JsonObject { ["name"] = "unknown machine", ["state"] = "unknown machine", ["version"] = "unknown machine" };
            var name = req.GetString("name") ?? "";
            var id = req.GetString("instance") ?? "";
            var path = req.GetString("path") ?? "";
            if (name.Length == 0 && id.Length == 0 && path.Length == 0)
            {
                return ValueTask.FromResult(ActionReply.Fail(RpcStatus.Aborted, "No search criteria given", unknown));
            }

            var states = server.Machines?.States() ?? [];
            if (states.Count == 0)
            {
                return ValueTask.FromResult(ActionReply.Fail(RpcStatus.Aborted, "No running machines", unknown));
            }

            var found = states.Where(s => (name.Length == 0 || s.Name == name) && (id.Length == 0 || s.Id == id) && (path.Length == 0 || s.Path == path)).ToList();
            return ValueTask.FromResult(found.Count switch
            {
                0 => ActionReply.Fail(RpcStatus.Aborted, "Could not find a matching machine", unknown),
                1 => ActionReply.Ok(StateJson(found[0])),
                _ => ActionReply.Fail(RpcStatus.Aborted, "Found multiple machines matching criteria", unknown),
            });
        });

        agent.RegisterAction("machine_transition", (req, _) =>
        {
            var transition = req.GetString("transition") ?? "";
            var selector = new MachineSelector(req.GetString("name") ?? "", req.GetString("version") ?? "", req.GetString("path") ?? "", req.GetString("instance") ?? "");
            var error = server.Machines is { } host ? host.Transition(selector, transition) : "autonomous agent host not initialized";
            return ValueTask.FromResult(error is null
                ? ActionReply.Ok(new JsonObject { ["success"] = true })
                : ActionReply.Fail(RpcStatus.Aborted, $"Could not perform {transition} transition: {error}", new JsonObject { ["success"] = false }));
        });

        return agent;
    }

    private static JsonObject StateJson(MachineState s) => new()
    {
        ["name"] = s.Name,
        ["version"] = s.Version,
        ["state"] = s.State,
        ["path"] = s.Path,
        ["id"] = s.Id,
        ["start_time"] = s.StartTime,
        ["available_transitions"] = RpcutilAgent.Strings(s.AvailableTransitions),
    };
}
