using System.Text.Json;
using Choria.Server.Agents;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Authorization;

/// <summary>
/// Stands in for an <c>rpcauthprovider</c> this server does not implement (including <c>rego_policy</c>): every
/// request is denied, as in Go (docs/agents.md). Falling back to no authorization would open every agent.
/// </summary>
internal sealed partial class UnsupportedProviderAuthorizer(string provider, ILogger<UnsupportedProviderAuthorizer> logger) : IRequestAuthorizer
{
    public string Provider { get; } = provider;

    public bool IsAuthorized(ActionRequest request)
    {
        LogUnsupported(request.RequestId, Provider);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Denying request {RequestId}: unsupported authorization provider: {Provider}")]
    private partial void LogUnsupported(string requestId, string provider);
}

/// <summary>Picks the authorizer named by <c>rpcauthprovider</c>.</summary>
internal static class RequestAuthorizers
{
    /// <summary>The provider Go uses when <c>rpcauthprovider</c> is not set.</summary>
    public const string DefaultProvider = "action_policy";

    /// <summary>
    /// <see cref="ActionPolicyAuthorizer"/> for <c>action_policy</c> (compared lower-case, as Go does; the 2020 server
    /// knows no other spelling); an <see cref="UnsupportedProviderAuthorizer"/> for anything else.
    /// </summary>
    public static IRequestAuthorizer Create(string provider, ActionPolicyOptions actionPolicy, Func<JsonElement> facts,
        Func<IReadOnlyList<string>> classes, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        var name = (provider ?? "").Trim().ToLowerInvariant();
        return name == DefaultProvider
            ? new ActionPolicyAuthorizer(actionPolicy, facts, classes, FilterFactMatcher.Instance, loggers.CreateLogger<ActionPolicyAuthorizer>())
            : new UnsupportedProviderAuthorizer(name, loggers.CreateLogger<UnsupportedProviderAuthorizer>());
    }
}
