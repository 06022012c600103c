using System.Text;
using System.Text.Json;
using Choria.Protocol.Messages;
using Choria.Server.Agents;
using Choria.Server.Runtime;
using Choria.Server.Agents.Builtin;
using Choria.Server.Data.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests;

public class AgentTests
{
    private static readonly FakeServerInfo s_server = new()
    {
        Agents = [new() { Name = "choria_util", Timeout = 10 }, new() { Name = "discovery", Timeout = 2 }, new() { Name = "rpcutil", Timeout = 2, License = "Apache-2.0", Author = "R.I.Pienaar <rip@devco.net>", Version = "0.13.0", Url = "http://choria.io", Description = RpcutilAgent.Description }],
    };

    private static McorpcAgent Rpcutil(McorpcAgentOptions? o = null) => RpcutilAgent.Create(s_server, DataPluginRegistry.CreateDefault(), o ?? new(), NullLogger.Instance);

    internal static async Task<JsonElement> Call(IAgent agent, string action, string data = "{}")
    {
        var payload = $$"""{"agent":"{{agent.Metadata.Name}}","action":"{{action}}","data":{{data}}}""";
        var result = await agent.HandleAsync(new AgentRequest { Payload = Encoding.UTF8.GetBytes(payload), Envelope = new RequestEnvelope { Agent = agent.Metadata.Name, RequestId = "r1", CallerId = "choria=rip.mcollective" } }, CancellationToken.None);
        Assert.NotNull(result.Reply);
        return JsonDocument.Parse(result.Reply).RootElement;
    }

    private static JsonElement WireBody(string prefix) =>
        JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(TestPaths.Fixture("wire"), prefix + "-*.decoded.json").Single())).RootElement.GetProperty("body");

    private static JsonElement Example(string name) => JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("server", "examples", name))).RootElement;

    /// <summary>Same keys with the same JSON kinds (numbers, strings, arrays...), recursively for objects.</summary>
    private static void AssertSameShape(JsonElement expected, JsonElement actual, params string[] skip)
    {
        Assert.Equal(expected.ValueKind, actual.ValueKind);
        if (expected.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(), actual.EnumerateObject().Select(p => p.Name).Where(n => !skip.Contains(n)).Order());
        foreach (var p in expected.EnumerateObject())
        {
            if (p.Name != "facts")
            {
                AssertSameShape(p.Value, actual.GetProperty(p.Name));
            }
        }
    }

    [Theory]
    [InlineData("ping", "{}", "04")]
    [InlineData("get_fact", """{"fact":"string"}""", "11")]
    [InlineData("get_config_item", """{"item":"identity","process_results":true}""", "13")]
    [InlineData("collective_info", "{}", "23")]
    public async Task Reply_shapes_match_wire_captures(string action, string data, string capture) =>
        AssertSameShape(WireBody(capture), await Call(Rpcutil(), action, data));

    [Fact]
    public async Task Inventory_matches_wire_capture_and_example()
    {
        var reply = await Call(Rpcutil(), "inventory");
        AssertSameShape(WireBody("08").GetProperty("data"), reply.GetProperty("data"));
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("data").GetProperty("machines").ValueKind);
        AssertSameShape(Example("rpcutil_inventory_reply_2020.json"), reply.GetProperty("data"), "machines");
        Assert.Equal(["choria_util", "discovery", "rpcutil"], reply.GetProperty("data").GetProperty("agents").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("hello world", reply.GetProperty("data").GetProperty("facts").GetProperty("string").GetString());
        Assert.Equal(["agent_data", "collective_data", "fact_data", "fstat_data"], reply.GetProperty("data").GetProperty("data_plugins").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Agent_inventory_and_daemon_stats_match_examples()
    {
        var inv = await Call(Rpcutil(), "agent_inventory");
        var rpcutil = inv.GetProperty("data").GetProperty("agents")[2];
        Assert.Equal(Example("rpcutil_agent_inventory_reply.json").GetProperty("agents")[0].GetRawText(), rpcutil.GetRawText());
        AssertSameShape(WireBody("22").GetProperty("data").GetProperty("agents")[0], rpcutil);

        var stats = (await Call(Rpcutil(), "daemon_stats")).GetProperty("data");
        AssertSameShape(Example("rpcutil_daemon_stats_reply_2020.json"), stats);
        Assert.Equal(12, stats.GetProperty("total").GetInt32());
        Assert.Equal(1578171600, stats.GetProperty("starttime").GetInt64());
    }

    [Fact]
    public async Task Get_fact_and_get_facts()
    {
        var ok = await Call(Rpcutil(), "get_fact", """{"fact":"nested.string","process_results":true}""");
        Assert.Equal(Example("rpc_reply_ok_2020.json").GetRawText(), ok.GetRawText());
        var missing = await Call(Rpcutil(), "get_fact", """{"fact":"nope"}""");
        Assert.Equal(0, missing.GetProperty("statuscode").GetInt32());
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("data").GetProperty("value").ValueKind);
        var many = await Call(Rpcutil(), "get_facts", """{"facts":"string, inumber ,missing"}""");
        Assert.Equal("""{"string":"hello world","inumber":1,"missing":null}""", many.GetProperty("data").GetProperty("values").GetRawText());
    }

    [Fact]
    public async Task Get_data_unknown_plugin_is_the_ruby_reply_and_known_plugins_answer()
    {
        var unknown = await Call(Rpcutil(), "get_data", """{"source":"nosuchplugin","process_results":true}""");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(WireBody("21").GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(unknown.GetRawText())));
        var fact = await Call(Rpcutil(), "get_data", """{"source":"fact","query":"inumber"}""");
        Assert.Equal("""{"exists":true,"value":1,"value_encoding":"application/json"}""", fact.GetProperty("data").GetRawText());
        var coll = await Call(Rpcutil(), "get_data", """{"source":"collective","query":"other"}""");
        Assert.True(coll.GetProperty("data").GetProperty("member").GetBoolean());
        var fstat = await Call(Rpcutil(), "get_data", $$"""{"source":"fstat","query":{{JsonSerializer.Serialize(TestPaths.Fixture("server", "facts", "discovery_classes.txt"))}}}""");
        Assert.Equal("present", fstat.GetProperty("data").GetProperty("output").GetString());
        Assert.Equal(32, fstat.GetProperty("data").GetProperty("md5").GetString()!.Length);
    }

    [Fact]
    public async Task Unknown_config_item_aborts()
    {
        var r = await Call(Rpcutil(), "get_config_item", """{"item":"nope"}""");
        Assert.Equal(1, r.GetProperty("statuscode").GetInt32());
        Assert.Equal("Unknown key", r.GetProperty("statusmsg").GetString());
    }

    [Fact]
    public async Task Framework_errors()
    {
        var unknown = await Call(Rpcutil(new() { IncludeActionInReply = true }), "nope");
        Assert.Equal(Example("rpc_reply_unknown_action_modern.json").GetRawText(), unknown.GetRawText());

        var agent = Rpcutil();
        var garbage = await agent.HandleAsync(new AgentRequest { Payload = "not json"u8.ToArray() }, CancellationToken.None);
        var g = JsonDocument.Parse(garbage.Reply!).RootElement;
        Assert.Equal(4, g.GetProperty("statuscode").GetInt32());
        Assert.StartsWith("Could not process request: could not parse incoming message as a MCollective SimpleRPC Request: ", g.GetProperty("statusmsg").GetString());

        // 4, not 3: the Go server never emits MissingData (docs/agents.md).
        var missing = await Call(agent, "get_fact");
        Assert.Equal(4, missing.GetProperty("statuscode").GetInt32());
        Assert.Equal("Validation failed: input 'fact' is required", missing.GetProperty("statusmsg").GetString());
        var invalid = await Call(agent, "get_facts", """{"facts":"a;b"}""");
        Assert.Equal(4, invalid.GetProperty("statuscode").GetInt32());

        var noData = await agent.HandleAsync(new AgentRequest { Payload = """{"agent":"rpcutil","action":"ping"}"""u8.ToArray() }, CancellationToken.None);
        Assert.Equal(0, JsonDocument.Parse(noData.Reply!).RootElement.GetProperty("statuscode").GetInt32());
    }

    [Fact]
    public async Task Exceptions_become_status_5_and_denial_status_1()
    {
        var agent = new McorpcAgent(new AgentMetadata { Name = "boom", Timeout = 2 }, null, new(), NullLogger.Instance)
            .RegisterAction("go", (_, _) => throw new InvalidOperationException("bang"));
        var r = await Call(agent, "go");
        Assert.Equal(5, r.GetProperty("statuscode").GetInt32());
        Assert.Contains("bang", r.GetProperty("statusmsg").GetString());

        var denied = await Call(Rpcutil(new() { Authorizer = new DenyAll() }), "ping");
        Assert.Equal(Example("rpc_reply_denied_2020.json").GetRawText(), denied.GetRawText());
    }

    private sealed class DenyAll : IRequestAuthorizer
    {
        public bool IsAuthorized(ActionRequest request) => false;
    }

    [Fact]
    public async Task Discovery_pongs_only_for_ping()
    {
        var d = new DiscoveryAgent("0.13.0");
        Assert.Equal("pong"u8.ToArray(), (await d.HandleAsync(new AgentRequest { Payload = "\"ping\""u8.ToArray() }, default)).Reply);
        var other = await d.HandleAsync(new AgentRequest { Payload = "PING"u8.ToArray() }, default);
        Assert.Null(other.Reply);
        Assert.Equal("Received unknown discovery message", other.Error);
    }

    [Fact]
    public async Task Choria_util_info_and_machines()
    {
        var util = ChoriaUtilAgent.Create(s_server, new(), NullLogger.Instance);
        var info = (await Call(util, "info")).GetProperty("data");
        var ddlOutputs = Ddl.DdlLoader.LoadBuiltin("choria_util").Ddl!.FindAction("info")!.Output.Keys.Order();
        Assert.Equal(ddlOutputs, info.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("choria 0.13.0", info.GetProperty("choria_version").GetString());

        var empty = (await Call(util, "machine_states")).GetProperty("data");
        Assert.Equal("""{"machine_ids":[],"machine_names":[],"states":{}}""", empty.GetRawText());

        var host = new Host();
        var withMachines = ChoriaUtilAgent.Create(new FakeServerInfo { Machines = host }, new(), NullLogger.Instance);
        var states = (await Call(withMachines, "machine_states")).GetProperty("data");
        Assert.Equal(Example("choria_util_machine_states_reply.json").GetRawText(), states.GetRawText());

        var ok = await Call(withMachines, "machine_transition", """{"name":"TestMachine","transition":"fire_2"}""");
        Assert.Equal("""{"success":true}""", ok.GetProperty("data").GetRawText());
        var bad = await Call(util, "machine_transition", """{"transition":"fire_2"}""");
        Assert.Equal("Could not perform fire_2 transition: autonomous agent host not initialized", bad.GetProperty("statusmsg").GetString());
        Assert.Equal("""{"success":false}""", bad.GetProperty("data").GetRawText());
    }

    private sealed class Host : IMachineHost
    {
        public IReadOnlyList<MachineState> States() =>
            [new() { Name = "TestMachine", Version = "0.0.1", State = "one", Path = "/etc/choria/machine/test", Id = "9e8d7c6b-5a49-4382-9160-5f4e3d2c1b0a", StartTime = 1578175200, AvailableTransitions = ["fire_2"] }];

        public string? Transition(MachineSelector selector, string transition) => selector.Name == "TestMachine" ? null : "no match";
    }

    [Fact]
    public async Task Registry_and_dispatcher()
    {
        var registry = new AgentRegistry(new() { DenyList = new HashSet<string> { "denied" } }, NullLogger<AgentRegistry>.Instance);
        Assert.Equal(AgentRegistrationStatus.Registered, registry.Register(Rpcutil()).Status);
        Assert.Equal(AgentRegistrationStatus.Registered, registry.Register(new DiscoveryAgent("1")).Status);
        Assert.Equal("agent rpcutil is already registered", registry.Register(Rpcutil()).Error);
        Assert.Equal(AgentRegistrationStatus.InvalidMetadata, registry.Register(new McorpcAgent(new() { Name = "x", Timeout = 0 }, null, new(), NullLogger.Instance)).Status);
        Assert.Equal(["discovery", "rpcutil"], registry.KnownAgents());

        var slow = new McorpcAgent(new() { Name = "slow", Timeout = 1 }, null, new(), NullLogger.Instance)
            .RegisterAction("sleep", async (_, ct) => { await Task.Delay(5000, ct); return ActionReply.Ok(); });
        registry.Register(slow);
        // A generous timeout: rpcutil's own 2 s can expire on a loaded machine before the first (JIT-cold) reply.
        registry.Register(new McorpcAgent(new() { Name = "quick", Timeout = 60 }, null, new(), NullLogger.Instance)
            .RegisterAction("ping", (_, _) => ValueTask.FromResult(ActionReply.Ok())));
        var dispatcher = new AgentDispatcher(registry);

        var ping = await dispatcher.DispatchAsync(new AgentRequest { Payload = """{"action":"ping"}"""u8.ToArray(), Envelope = new RequestEnvelope { Agent = "quick" } }, default);
        Assert.Null(ping.Drop);
        Assert.Equal(DropReason.UnknownAgent, (await dispatcher.DispatchAsync(new AgentRequest { Envelope = new RequestEnvelope { Agent = "nope" } }, default)).Drop?.Reason);
        var timedOut = await dispatcher.DispatchAsync(new AgentRequest { Payload = """{"action":"sleep"}"""u8.ToArray(), Envelope = new RequestEnvelope { Agent = "slow", RequestId = "abc" } }, default);
        Assert.Equal(DropReason.AgentTimeout, timedOut.Drop?.Reason);
        Assert.Equal("Agent dispatcher for request abc exiting on 1s timeout", timedOut.Drop?.Message);
        // A shutdown long before the agent's own timeout: on a loaded machine a 100 ms timer can fire late, so the
        // agent's timeout must be far away for "shutdown" to be the only possible outcome.
        registry.Register(new McorpcAgent(new() { Name = "patient", Timeout = 60 }, null, new(), NullLogger.Instance)
            .RegisterAction("sleep", async (_, ct) => { await Task.Delay(TimeSpan.FromMinutes(2), ct); return ActionReply.Ok(); }));
        using var cts = new CancellationTokenSource(100);
        Assert.Equal(DropReason.ShuttingDown, (await dispatcher.DispatchAsync(new AgentRequest { Payload = """{"action":"sleep"}"""u8.ToArray(), Envelope = new RequestEnvelope { Agent = "patient" } }, cts.Token)).Drop?.Reason);
    }

    [Fact]
    public async Task An_agent_that_cancels_itself_has_failed_not_timed_out()
    {
        var registry = new AgentRegistry(new(), NullLogger<AgentRegistry>.Instance);
        registry.Register(new CancellingAgent());
        var dispatcher = new AgentDispatcher(registry);

        var result = await dispatcher.DispatchAsync(new AgentRequest { Envelope = new RequestEnvelope { Agent = "cancelling", RequestId = "r1" } }, default);

        Assert.Equal(DropReason.AgentFailed, result.Drop?.Reason);
        Assert.IsType<OperationCanceledException>(result.Drop?.Exception);
        Assert.StartsWith("Agent cancelling failed handling request r1", result.Drop?.Message, StringComparison.Ordinal);
    }

    private sealed class CancellingAgent : IAgent
    {
        public AgentMetadata Metadata { get; } = new() { Name = "cancelling", Timeout = 60 };

        public ValueTask<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromException<AgentResult>(new OperationCanceledException("gave up on its own"));
    }
}
