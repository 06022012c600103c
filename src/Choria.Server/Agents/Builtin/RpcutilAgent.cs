using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Protocol.Filters;
using Choria.Server.Data.Plugins;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents.Builtin;

/// <summary>The <c>rpcutil</c> agent (docs/agents.md), every action of its DDL.</summary>
internal static class RpcutilAgent
{
    public const string Description = "Choria MCollective RPC Compatibility Utilities";

    public static McorpcAgent Create(IServerInfo server, DataPluginRegistry dataPlugins, McorpcAgentOptions options, ILogger logger, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var agent = new McorpcAgent(BuiltinMetadata.Create("rpcutil", Description, 2, server.Version), BuiltinMetadata.Ddl("rpcutil"), options, logger);

        agent.RegisterAction("ping", (_, _) => Ok(new JsonObject { ["pong"] = time.GetUtcNow().ToUnixTimeSeconds() }));

        agent.RegisterAction("collective_info", (_, _) => Ok(new JsonObject
        {
            ["main_collective"] = server.MainCollective,
            ["collectives"] = Strings(server.Collectives),
        }));

        // Replies carry only the keys the 2020 DDLs declare (see docs/agents.md, "Reply keys"): the Ruby client
        // turns declared keys into symbols and keeps the rest as strings, and its renderer fails on the mix.
        agent.RegisterAction("inventory", (_, _) =>
        {
            var machines = server.Machines?.States();
            return Ok(new JsonObject
            {
                ["agents"] = Strings(server.KnownAgents()),
                ["facts"] = Node(server.Facts()),
                ["classes"] = Strings(server.Classes()),
                ["version"] = server.Version,
                ["data_plugins"] = Strings(dataPlugins.InventoryNames()),
                ["main_collective"] = server.MainCollective,
                ["collectives"] = Strings(server.Collectives),
                ["machines"] = machines is null
                    ? null
                    : new JsonArray([.. machines.Select(m => (JsonNode)new JsonObject { ["name"] = m.Name, ["state"] = m.State, ["version"] = m.Version })]),
            });
        });

        agent.RegisterAction("agent_inventory", (_, _) => Ok(new JsonObject
        {
            ["agents"] = new JsonArray([.. server.AgentMetadata().Select(AgentEntry)]),
        }));

        agent.RegisterAction("get_fact", (req, _) =>
        {
            var fact = req.GetString("fact") ?? "";
            return Ok(new JsonObject { ["fact"] = fact, ["value"] = LookupFact(server.Facts(), fact) });
        });

        agent.RegisterAction("get_facts", (req, _) =>
        {
            var facts = server.Facts();
            var values = new JsonObject();
            foreach (var name in (req.GetString("facts") ?? "").Split(',').Select(f => f.Trim()).Where(f => f.Length > 0))
            {
                values[name] = LookupFact(facts, name);
            }

            return Ok(new JsonObject { ["values"] = values });
        });

        agent.RegisterAction("daemon_stats", (_, _) => Ok(DaemonStats(server)));

        agent.RegisterAction("get_config_item", (req, _) =>
        {
            var item = req.GetString("item") ?? "";
            var value = server.ConfigItem(item);
            return value is null
                ? Fail(RpcStatus.Aborted, "Unknown key", new JsonObject { ["item"] = item })
                : Ok(new JsonObject { ["item"] = item, ["value"] = value });
        });

        agent.RegisterAction("get_data", async (req, ct) =>
        {
            var source = req.GetString("source") ?? "";
            if (!dataPlugins.TryGet(source, out var plugin))
            {
                // What MCollective servers answer (wire capture 21); clients know this text.
                return ActionReply.Fail(RpcStatus.UnknownError, $"No plugin {source}_data defined");
            }

            var result = await plugin.QueryAsync(req.GetString("query"), server, ct);
            return result.Data is null
                ? ActionReply.Fail(RpcStatus.Aborted, result.Error ?? "Invalid data plugin")
                : ActionReply.Ok(result.Data);
        });

        return agent;
    }

    private static JsonObject DaemonStats(IServerInfo server)
    {
        using var process = Process.GetCurrentProcess();
        var stats = server.Stats();
        return new JsonObject
        {
            ["threads"] = new JsonArray(JsonValue.Create($".NET {Environment.Version} with {process.Threads.Count} threads on {Environment.ProcessorCount} cores")),
            ["agents"] = Strings(server.KnownAgents()),
            ["pid"] = Environment.ProcessId,
            ["times"] = new JsonObject
            {
                ["utime"] = (long)process.UserProcessorTime.TotalSeconds,
                ["stime"] = (long)process.PrivilegedProcessorTime.TotalSeconds,
                ["cutime"] = 0,
                ["cstime"] = 0,
            },
            ["starttime"] = server.StartTime.ToUnixTimeSeconds(),
            ["configfile"] = server.ConfigFile,
            ["version"] = server.Version,
            ["total"] = stats.Total,
            ["validated"] = stats.Validated,
            ["unvalidated"] = stats.Unvalidated,
            ["passed"] = stats.Passed,
            ["filtered"] = stats.Filtered,
            ["replies"] = stats.Replies,
            ["ttlexpired"] = stats.TtlExpired,
        };
    }

    private static JsonNode AgentEntry(AgentMetadata m)
    {
        var entry = new JsonObject
        {
            ["agent"] = m.Name,
            ["license"] = m.License,
            ["author"] = m.Author,
            ["timeout"] = m.Timeout,
            ["name"] = m.Name,
            ["version"] = m.Version,
            ["url"] = m.Url,
            ["description"] = m.Description,
        };
        if (m.Provider is not null)
        {
            entry["provider"] = m.Provider;
        }

        return entry;
    }

    private static JsonNode? LookupFact(JsonElement facts, string name) => FactPath.TryGet(facts, name, out var v) ? Node(v) : null;

    internal static JsonNode? Node(JsonElement e) => e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : JsonNode.Parse(e.GetRawText());

    internal static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);

    private static ValueTask<ActionReply> Ok(JsonObject data) => ValueTask.FromResult(ActionReply.Ok(data));

    private static ValueTask<ActionReply> Fail(RpcStatus code, string message, JsonObject data) => ValueTask.FromResult(ActionReply.Fail(code, message, data));
}
