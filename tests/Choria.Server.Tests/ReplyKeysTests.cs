using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.Ddl;
using Choria.Server.Agents;
using Choria.Server.Agents.Builtin;
using Choria.Server.Data.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests;

/// <summary>
/// Built-in replies carry no key that the 2020 DDLs (the ones Ruby clients ship) leave undeclared: the Ruby
/// client makes symbols of declared keys and keeps the others as strings, and its result renderer raises on
/// the mix and prints an empty block (docs/agents.md, "Reply keys").
/// </summary>
public partial class ReplyKeysTests
{
    private static readonly FakeServerInfo s_server = new()
    {
        Agents = [new() { Name = "choria_util", Timeout = 10 }, new() { Name = "discovery", Timeout = 2 }, new() { Name = "rpcutil", Timeout = 2 }],
    };

    /// <summary>
    /// What a 2020 Ruby client declares per action: MCollective 2.12.5's own rpcutil.ddl (copied from Debian's
    /// mcollective-common) plus the <c>machines</c> key Choria's servers add to <c>inventory</c> (capture 08),
    /// and the choria_util actions that existed in 2020 with their outputs.
    /// </summary>
    private static readonly Lazy<Dictionary<string, HashSet<string>>> s_declared2020 = new(() =>
    {
        var declared = RubyDdlOutputs(File.ReadAllText(TestPaths.Fixture("server", "ddl", "rpcutil_mcollective_2.12.5.ddl")))
            .ToDictionary(a => "rpcutil#" + a.Key, a => a.Value);
        declared["rpcutil#inventory"].Add("machines");

        var util = DdlLoader.LoadFile(TestPaths.Fixture("server", "ddl", "choria_util.json")).Ddl!;
        foreach (var action in new[] { "info", "machine_states", "machine_transition" })
        {
            declared["choria_util#" + action] = [.. util.FindAction(action)!.Output.Keys];
        }

        return declared;
    });

    public static TheoryData<string, string, string> Actions() => new()
    {
        { "rpcutil", "ping", "{}" },
        { "rpcutil", "collective_info", "{}" },
        { "rpcutil", "inventory", "{}" },
        { "rpcutil", "agent_inventory", "{}" },
        { "rpcutil", "get_fact", """{"fact":"string"}""" },
        { "rpcutil", "get_facts", """{"facts":"string,inumber"}""" },
        { "rpcutil", "daemon_stats", "{}" },
        { "rpcutil", "get_config_item", """{"item":"identity"}""" },
        { "choria_util", "info", "{}" },
        { "choria_util", "machine_states", "{}" },
        { "choria_util", "machine_transition", """{"name":"x","transition":"go"}""" },
    };

    [Fact]
    public async Task Inventory_reply_keys_are_exactly_those_of_the_ruby_server_capture()
    {
        var capture = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("wire", "08-rpc-reply-rpcutil-inventory.decoded.json")));
        var expected = capture.RootElement.GetProperty("body").GetProperty("data").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        var reply = await AgentTests.Call(Agent("rpcutil"), "inventory");

        Assert.Equal(["agents", "classes", "collectives", "data_plugins", "facts", "machines", "main_collective", "version"], expected);
        Assert.Equal(expected, reply.GetProperty("data").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Every_reply_key_is_declared_by_the_2020_ddl(string agent, string action, string data)
    {
        var declared = s_declared2020.Value[agent + "#" + action];

        var reply = await AgentTests.Call(Agent(agent), action, data);

        var undeclared = reply.GetProperty("data").EnumerateObject().Select(p => p.Name).Where(k => !declared.Contains(k)).ToArray();
        Assert.True(undeclared.Length == 0, $"{agent}#{action} replies with keys its 2020 DDL does not declare: {string.Join(", ", undeclared)}");
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public void Our_ddl_declares_no_output_the_2020_ddl_lacks(string agent, string action, string data)
    {
        _ = data;
        var declared = s_declared2020.Value[agent + "#" + action];

        // Output defaults come from our DDL, so an output declared there would be added to every reply.
        var ours = DdlLoader.LoadBuiltin(agent).Ddl!.FindAction(action)!.Output.Keys.Where(k => !declared.Contains(k)).ToArray();

        Assert.True(ours.Length == 0, $"our {agent} DDL declares outputs of {action} that the 2020 DDL lacks: {string.Join(", ", ours)}");
    }

    [Fact]
    public void The_ruby_ddl_reader_finds_every_rpcutil_action()
    {
        var actions = RubyDdlOutputs(File.ReadAllText(TestPaths.Fixture("server", "ddl", "rpcutil_mcollective_2.12.5.ddl")));

        Assert.Equal(["agent_inventory", "collective_info", "daemon_stats", "get_config_item", "get_data", "get_fact", "get_facts", "inventory", "ping"], actions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["agents", "classes", "collectives", "data_plugins", "facts", "main_collective", "version"], actions["inventory"].Order(StringComparer.Ordinal));
        Assert.DoesNotContain("events", actions["daemon_stats"]);
    }

    private static McorpcAgent Agent(string name) => name switch
    {
        "rpcutil" => RpcutilAgent.Create(s_server, DataPluginRegistry.CreateDefault(), new(), NullLogger.Instance),
        "choria_util" => ChoriaUtilAgent.Create(s_server, new(), NullLogger.Instance),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The <c>output :name</c> declarations of each <c>action "x"</c> block of a Ruby DDL.</summary>
    private static Dictionary<string, HashSet<string>> RubyDdlOutputs(string ddl)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string>? current = null;
        foreach (var line in ddl.Split('\n'))
        {
            if (ActionLine().Match(line) is { Success: true } a)
            {
                current = result[a.Groups[1].Value] = new HashSet<string>(StringComparer.Ordinal);
            }
            else if (current is not null && OutputLine().Match(line) is { Success: true } o)
            {
                current.Add(o.Groups[1].Value);
            }
        }

        return result;
    }

    [GeneratedRegex("""^action\s+"(\w+)"\s*,""")]
    private static partial Regex ActionLine();

    [GeneratedRegex("""^\s*output\s+:(\w+)\s*,""")]
    private static partial Regex OutputLine();
}
