using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Choria.Sdk;

/// <summary>Builds one agent instance for a server; called once per server start.</summary>
public delegate Agent AgentFactory(IAgentContext context);

/// <summary>The entry class of an agent plugin: names the agent, its version and how to build it.</summary>
/// <example><code>public sealed class ChoriaPlugin() : AgentPlugin("hello", "1.0.0", ctx => new HelloAgent(ctx));</code></example>
public class AgentPlugin(string name, string version, AgentFactory factory) : IPluggable
{
    public object PluginInstance => factory;

    public string PluginName => name;

    public PluginType PluginType => PluginType.Agent;

    public string PluginVersion => version;
}

/// <summary>
/// Metadata shown by <c>rpcutil#agent_inventory</c>. When the agent has a DDL the server takes the metadata from
/// the DDL instead, so the two cannot disagree.
/// </summary>
public sealed record AgentInfo
{
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    public string Author { get; init; } = "";

    public string Version { get; init; } = "";

    public string License { get; init; } = "";

    public string Url { get; init; } = "";

    /// <summary>Seconds an action may run before the server gives up on it (at least 1).</summary>
    public int Timeout { get; init; } = 10;
}

/// <summary>What the server gives an agent: identity, facts, its settings and logging.</summary>
public interface IAgentContext
{
    /// <summary>The server's <c>identity</c>.</summary>
    string Identity { get; }

    /// <summary>Version of the choria binary hosting the agent.</summary>
    string ServerVersion { get; }

    /// <summary>The server's current facts (an object; <c>{}</c> when there are none).</summary>
    JsonElement Facts { get; }

    /// <summary>The setting <c>plugin.&lt;agent&gt;.&lt;key&gt;</c>, or null when it is not set.</summary>
    string? Config(string key);

    /// <summary>A logger for the agent; messages carry the agent's name as category.</summary>
    Microsoft.Extensions.Logging.ILogger Logger { get; }

    TimeProvider Clock { get; }
}

/// <summary>
/// An mcorpc agent. The server runs the SimpleRPC steps around each action: it authorizes and audits the request,
/// validates inputs against the DDL and fills DDL output defaults; an exception becomes a status 5 reply.
/// </summary>
public abstract class Agent(IAgentContext context)
{
    public IAgentContext Context { get; } = context;

    public abstract AgentInfo Info { get; }

    /// <summary>The agent's JSON DDL (the <c>choria/ddl/v1/agent</c> format), or null to run without one.</summary>
    public virtual string? DdlJson => null;

    /// <summary>Adds every action; called once after construction.</summary>
    public abstract void RegisterActions(ActionMap actions);

    /// <summary>Reads a JSON DDL embedded in <paramref name="assembly"/> as a resource whose name ends with <paramref name="fileName"/>.</summary>
    protected static string ReadEmbeddedDdl(System.Reflection.Assembly assembly, string fileName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(fileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"embedded DDL {fileName} not found in {assembly.GetName().Name}");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>Runs one action.</summary>
public delegate ValueTask<ActionResult> ActionHandler(ActionRequest request, CancellationToken cancellationToken);

/// <summary>The actions of an agent, by name.</summary>
public sealed class ActionMap
{
    private readonly Dictionary<string, ActionHandler> _actions = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ActionHandler> Actions => _actions;

    public ActionMap Add(string name, ActionHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_actions.TryAdd(name, handler))
        {
            throw new InvalidOperationException($"action {name} is added twice");
        }

        return this;
    }

    /// <summary>
    /// Adds an action with typed inputs and outputs; the type infos come from the plugin's own
    /// <c>JsonSerializerContext</c>, so the binary stays free of run-time reflection.
    /// </summary>
    public ActionMap Add<TInput, TOutput>(string name, JsonTypeInfo<TInput> input, JsonTypeInfo<TOutput> output, Func<TInput, ActionRequest, CancellationToken, ValueTask<TOutput>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, async (request, cancellationToken) =>
        {
            TInput? data;
            try
            {
                data = request.Data.Deserialize(input);
            }
            catch (JsonException e)
            {
                return ActionResult.Fail(ReplyStatus.InvalidData, $"Could not parse the request data: {e.Message}");
            }

            if (data is null)
            {
                return ActionResult.Fail(ReplyStatus.InvalidData, "Could not parse the request data: null");
            }

            var result = await handler(data, request, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.SerializeToNode(result, output) is JsonObject o
                ? ActionResult.Ok(o)
                : throw new InvalidOperationException($"action {name} must return a JSON object");
        });
    }
}

/// <summary>One mcorpc request as an action sees it.</summary>
public sealed record ActionRequest
{
    public required string Agent { get; init; }

    public required string Action { get; init; }

    /// <summary>The inputs: always an object.</summary>
    public required JsonElement Data { get; init; }

    /// <summary>Who sent it, e.g. <c>choria=rip.mcollective</c>.</summary>
    public required string CallerId { get; init; }

    public required string SenderId { get; init; }

    public required string RequestId { get; init; }

    public required string Collective { get; init; }

    public required DateTimeOffset Time { get; init; }

    public string? GetString(string name) =>
        Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public long? GetInteger(string name) =>
        Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public bool? GetBoolean(string name) =>
        Data.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}

/// <summary>SimpleRPC status codes.</summary>
public enum ReplyStatus
{
    OK = 0,
    Aborted = 1,
    UnknownAction = 2,
    MissingData = 3,
    InvalidData = 4,
    UnknownError = 5,
}

/// <summary>An action's reply: status, message and data.</summary>
public sealed record ActionResult
{
    public ReplyStatus Status { get; init; } = ReplyStatus.OK;

    public string Message { get; init; } = "OK";

    public JsonObject Data { get; init; } = [];

    public static ActionResult Ok(JsonObject? data = null) => new() { Data = data ?? [] };

    public static ActionResult Fail(ReplyStatus status, string message, JsonObject? data = null) =>
        new() { Status = status, Message = message, Data = data ?? [] };

    /// <summary>Status 1: the action ran and failed (Go's <c>reply.Statuscode = mcorpc.Aborted</c>).</summary>
    public static ActionResult Aborted(string message, JsonObject? data = null) => Fail(ReplyStatus.Aborted, message, data);
}
