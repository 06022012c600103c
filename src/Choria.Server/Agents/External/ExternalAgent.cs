using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents.External;

/// <summary>What every external agent of one provider shares.</summary>
internal sealed record ExternalAgentContext
{
    public required ExternalAgentOptions Options { get; init; }

    public required McorpcAgentOptions Mcorpc { get; init; }

    public required ExternalProcess Process { get; init; }

    public required ILoggerFactory Loggers { get; init; }

    /// <summary>The node's facts, written to the facts file of every run.</summary>
    public Func<JsonElement> Facts { get; init; } = () => ActionRequest.EmptyObject;
}

/// <summary>
/// An agent implemented by an executable (docs/agents.md): an <see cref="McorpcAgent"/> with one handler per DDL
/// action, so authorization and audit happen exactly as for built-in agents before the executable runs.
/// </summary>
internal static partial class ExternalAgent
{
    public const string ProviderName = "external";

    private const string RpcSchema = "https://choria.io/schemas/mcorpc/external/v1/rpc_request.json";
    private const string ActivationSchema = "https://choria.io/schemas/mcorpc/external/v1/activation_request.json";

    public static McorpcAgent Create(AgentDdl ddl, string executable, ExternalAgentContext context)
    {
        ArgumentNullException.ThrowIfNull(ddl);
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.Loggers.CreateLogger("Choria.Server.Agents.External." + ddl.Metadata.Name);

        // The DDL is not handed to the framework: external agents answer validation failures with status 1 (not the
        // built-ins' 4) and get output defaults only on a well-formed reply, so both happen in the handler. The extra
        // dispatch time lets the handler report a killed process instead of the dispatcher dropping the request.
        var options = context.Mcorpc with { ValidateInputs = false, DispatchGrace = context.Options.TimeoutGrace + TimeSpan.FromSeconds(1.5) };
        var agent = new McorpcAgent(AgentMetadata.FromDdl(ddl.Metadata), null, options, logger);
        var timeout = TimeSpan.FromSeconds(ddl.Metadata.Timeout) + context.Options.TimeoutGrace;
        foreach (var action in ddl.Actions)
        {
            agent.RegisterAction(action.Action, (request, ct) => HandleAsync(action, request, executable, timeout, context, logger, ct));
        }

        return agent;
    }

    /// <summary>Asks the executable whether it wants to run on this node; any failure means no (logged).</summary>
    public static async Task<bool> ShouldActivateAsync(string agent, string executable, ExternalAgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.Loggers.CreateLogger("Choria.Server.Agents.External." + agent);
        var request = Write(w =>
        {
            w.WriteString("$schema", ActivationSchema);
            w.WriteString("protocol", ExternalProcess.ActivationProtocol);
            w.WriteString("agent", agent);
        });

        var result = await context.Process.RunAsync(Run(agent, executable, ExternalProcess.ActivationProtocol, request, context.Options.ActivationTimeout, context), cancellationToken);
        if (!result.Success)
        {
            LogActivationFailed(logger, agent, result.Error!);
            return false;
        }

        try
        {
            if (JsonNode.Parse(result.Reply, documentOptions: s_strictJson) is JsonObject reply && reply["activate"] is JsonValue v && v.TryGetValue<bool>(out var activate))
            {
                return activate;
            }

            LogActivationFailed(logger, agent, "the activation reply has no boolean activate");
        }
        catch (JsonException e)
        {
            LogActivationFailed(logger, agent, $"could not decode the activation reply: {e.Message}");
        }

        return false;
    }

    private static async ValueTask<ActionReply> HandleAsync(ActionDdl action, ActionRequest request, string executable, TimeSpan timeout, ExternalAgentContext context, ILogger logger, CancellationToken cancellationToken)
    {
        var label = $"{request.Agent}#{request.Action}";
        if (!File.Exists(executable))
        {
            return ActionReply.Fail(RpcStatus.Aborted, $"Cannot call external agent {label}: agent executable {executable} was not found");
        }

        var validation = InputValidator.ValidateRequestData(action, request.Data, w => LogValidatorWarning(logger, label, w));
        if (!validation.IsValid)
        {
            return ActionReply.Fail(RpcStatus.Aborted, $"Validation failed: {validation.Error}");
        }

        var result = await context.Process.RunAsync(Run(request.Agent, executable, ExternalProcess.RpcProtocol, RequestJson(request), timeout, context), cancellationToken);
        if (!result.Success)
        {
            return ActionReply.Fail(RpcStatus.Aborted, $"Could not call external agent {label}: {result.Error}");
        }

        if (!TryDecodeReply(result.Reply!, out var reply, out var error))
        {
            return ActionReply.Fail(RpcStatus.Aborted, $"Could not call external agent {label}: {error}");
        }

        if (reply.Data is not { } data)
        {
            return ActionReply.Fail(RpcStatus.Aborted, "Could not set reply defaults: reply data is in the wrong format");
        }

        InputValidator.SetOutputDefaults(action, data);
        return new ActionReply { StatusCode = reply.Code, StatusMessage = reply.Message, Data = data };
    }

    /// <summary>
    /// A key given twice is refused while parsing: <see cref="JsonObject"/> would otherwise throw on first access,
    /// far from the parse and outside its error handling.
    /// </summary>
    private static readonly JsonDocumentOptions s_strictJson = new() { AllowDuplicateProperties = false };

    /// <summary>A decoded reply file; <see cref="Data"/> is null when the file has no object (or null) under <c>data</c>.</summary>
    internal sealed record DecodedReply(RpcStatus Code, string Message, JsonObject? Data);

    /// <summary>
    /// <c>{"statuscode", "statusmsg", "data"}</c>: a missing code or message keeps OK; <c>data</c> must be an object
    /// (<c>null</c> counts as <c>{}</c>), otherwise <see cref="DecodedReply.Data"/> is left null for the caller to refuse.
    /// </summary>
    internal static bool TryDecodeReply(byte[] json, out DecodedReply reply, out string? error)
    {
        reply = new DecodedReply(RpcStatus.OK, "OK", null);
        error = null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: s_strictJson);
        }
        catch (JsonException e)
        {
            error = $"could not decode the reply: {e.Message}";
            return false;
        }

        if (root is not JsonObject obj)
        {
            error = $"could not decode the reply: expected a JSON object, got {Kind(root)}";
            return false;
        }

        var code = RpcStatus.OK;
        if (obj["statuscode"] is { } c)
        {
            if (c is not JsonValue cv || !cv.TryGetValue<int>(out var n) || n is < 0 or > 5)
            {
                error = $"could not decode the reply: statuscode must be an integer from 0 to 5, got {c.ToJsonString()}";
                return false;
            }

            code = (RpcStatus)n;
        }

        var message = "OK";
        if (obj["statusmsg"] is { } m)
        {
            if (m is not JsonValue mv || !mv.TryGetValue<string>(out var s))
            {
                error = $"could not decode the reply: statusmsg must be a string, got {Kind(m)}";
                return false;
            }

            message = s;
        }

        JsonObject? data = null;
        if (obj.TryGetPropertyValue("data", out var d))
        {
            data = d switch
            {
                null => [],
                JsonObject o => o,
                _ => null,
            };
            obj.Remove("data");
        }

        reply = new DecodedReply(code, message, data);
        return true;
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        JsonObject => "an object",
        _ => node.GetValueKind().ToString().ToLowerInvariant(),
    };

    private static ExternalRun Run(string agent, string executable, string protocol, byte[] request, TimeSpan timeout, ExternalAgentContext context) => new()
    {
        Agent = agent,
        Executable = executable,
        Protocol = protocol,
        Request = request,
        Timeout = timeout,
        Facts = context.Facts(),
        ConfigDirectory = context.Options.ConfigDirectory,
        MaxReplyBytes = context.Options.MaxReplyBytes,
    };

    /// <summary>The RPC request file (docs/agents.md).</summary>
    internal static byte[] RequestJson(ActionRequest request) => Write(w =>
    {
        w.WriteString("$schema", RpcSchema);
        w.WriteString("protocol", ExternalProcess.RpcProtocol);
        request.WriteEnvelopeFields(w);
        w.WritePropertyName("data");
        request.Data.WriteTo(w);
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "External agent {Agent} not activating: {Reason}")]
    private static partial void LogActivationFailed(ILogger logger, string agent, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DDL validation of {Action}: {Warning}")]
    private static partial void LogValidatorWarning(ILogger logger, string action, string warning);
}
