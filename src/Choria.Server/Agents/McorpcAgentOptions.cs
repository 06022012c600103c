namespace Choria.Server.Agents;

/// <summary>Options shared by every mcorpc agent of a server.</summary>
public sealed record McorpcAgentOptions
{
    /// <summary>Set when <c>rpcauthorization</c> is on.</summary>
    public IRequestAuthorizer? Authorizer { get; init; }

    /// <summary>Set when <c>rpcaudit</c> is on.</summary>
    public IRequestAuditor? Auditor { get; init; }

    /// <summary>Validate request data against the agent's DDL before the action runs.</summary>
    public bool ValidateInputs { get; init; } = true;

    /// <summary>Write the modern leading <c>"action"</c> reply field.</summary>
    public bool IncludeActionInReply { get; init; }

    /// <summary>Told about every handled action (agent, action, status code, duration) for the metrics.</summary>
    public IActionObserver? Observer { get; init; }

    /// <summary>Added to <c>metadata.timeout</c> for the dispatcher, for agents whose handlers end themselves on that timeout.</summary>
    public TimeSpan DispatchGrace { get; init; }

    /// <summary>
    /// The reply to an action the agent does not have, given the agent and action names; null for the Go
    /// server's status 2 <c>Unknown action X for agent Y</c>.
    /// </summary>
    public Func<string, string, ActionReply>? UnknownAction { get; init; }
}
