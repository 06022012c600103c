using System.Text.Json;
using Choria.Ddl;
using Choria.Server.Json;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents;

/// <summary>
/// The SimpleRPC framework of docs/agents.md: parse, look up the action, authorize, audit,
/// validate against the DDL, run the handler and fill DDL output defaults.
/// </summary>
public sealed partial class McorpcAgent : IAgent
{
    private readonly Dictionary<string, ActionHandler> _actions = new(StringComparer.Ordinal);
    private readonly McorpcAgentOptions _options;
    private readonly ILogger _logger;

    public McorpcAgent(AgentMetadata metadata, AgentDdl? ddl, McorpcAgentOptions options, ILogger logger)
    {
        Metadata = metadata;
        Ddl = ddl;
        _options = options;
        _logger = logger;
    }

    public AgentMetadata Metadata { get; }

    public AgentDdl? Ddl { get; }

    public TimeSpan DispatchTimeout => TimeSpan.FromSeconds(Math.Max(0, Metadata.Timeout)) + _options.DispatchGrace;

    public IReadOnlyList<string> ActionNames => [.. _actions.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers an action; call before the agent is published to the registry.</summary>
    public McorpcAgent RegisterAction(string name, ActionHandler handler)
    {
        if (!_actions.TryAdd(name, handler))
        {
            throw new InvalidOperationException($"action {name} is already registered on agent {Metadata.Name}");
        }

        return this;
    }

    public async ValueTask<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (reply, action) = await HandleActionAsync(request, cancellationToken);
        _options.Observer?.ObserveAction(Metadata.Name, action ?? "unknown", (int)reply.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (reply.DisableResponse)
        {
            return AgentResult.NoReply("response disabled by the action");
        }

        return AgentResult.Publish(reply.ToJson(_options.IncludeActionInReply ? action ?? "" : null));
    }

    /// <summary>Runs the handling steps and returns the reply object (and the action name once parsed).</summary>
    public async ValueTask<(ActionReply Reply, string? Action)> HandleActionAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        RpcRequestBody? body;
        try
        {
            body = JsonSerializer.Deserialize(request.Payload.Span, ServerJsonContext.Default.RpcRequestBody);
            if (body is null)
            {
                throw new JsonException("request is null");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            return (ActionReply.Fail(RpcStatus.InvalidData, $"Could not process request: could not parse incoming message as a MCollective SimpleRPC Request: {e.Message}"), null);
        }

        var data = body.Data is { ValueKind: JsonValueKind.Object } d ? d.Clone() : ActionRequest.EmptyObject;
        var req = new ActionRequest
        {
            Agent = Metadata.Name,
            Action = body.Action,
            Data = data,
            Envelope = request.Envelope,
        };

        if (!_actions.TryGetValue(req.Action, out var handler))
        {
            return (_options.UnknownAction?.Invoke(Metadata.Name, req.Action) ?? ActionReply.Fail(RpcStatus.UnknownAction, $"Unknown action {req.Action} for agent {Metadata.Name}"), req.Action);
        }

        if (_options.Authorizer is { } authorizer && !authorizer.IsAuthorized(req))
        {
            LogDenied(req.CallerId, Metadata.Name, req.Action, req.RequestId);
            return (ActionReply.Fail(RpcStatus.Aborted, "You are not authorized to call this agent or action"), req.Action);
        }

        _options.Auditor?.Audit(req);

        var actionDdl = Ddl?.FindAction(req.Action);
        if (_options.ValidateInputs && actionDdl is not null)
        {
            var validation = InputValidator.ValidateRequestData(actionDdl, req.Data, w => LogValidatorWarning(Metadata.Name, req.Action, w));
            if (!validation.IsValid)
            {
                // Status 4 for a missing input too: the Go server never emits 3 (MissingData, Ruby agents only) and
                // answers every "Validation failed: ..." with 4 (docs/agents.md).
                return (ActionReply.Fail(RpcStatus.InvalidData, $"Validation failed: {validation.Error}"), req.Action);
            }
        }

        LogHandling(req.RequestId, Metadata.Name, req.Action, req.CallerId);

        ActionReply reply;
        try
        {
            reply = await handler(req, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The dispatcher has already given up on this request; whatever we return is dropped.
            return (ActionReply.NoResponse(), req.Action);
        }
        catch (Exception e)
        {
            LogActionFailed(e, Metadata.Name, req.Action);
            return (ActionReply.Fail(RpcStatus.UnknownError, $"{Metadata.Name}#{req.Action} failed: {e.Message}"), req.Action);
        }

        if (actionDdl is not null)
        {
            InputValidator.SetOutputDefaults(actionDdl, reply.Data);
        }

        return (reply, req.Action);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handling message {RequestId} for {Agent}#{Action} from {CallerId}")]
    private partial void LogHandling(string requestId, string agent, string action, string callerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Denying {CallerId} access to {Agent}#{Action} for request {RequestId}")]
    private partial void LogDenied(string callerId, string agent, string action, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DDL validation of {Agent}#{Action}: {Warning}")]
    private partial void LogValidatorWarning(string agent, string action, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "Action {Agent}#{Action} failed")]
    private partial void LogActionFailed(Exception exception, string agent, string action);
}
