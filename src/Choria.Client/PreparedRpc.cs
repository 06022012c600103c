using Choria.Ddl;

namespace Choria.Client;

/// <summary>
/// An RPC request that passed every check needing no network: the action exists in the DDL, the inputs are
/// valid and the limit parses. Made by <see cref="ChoriaClient.Prepare"/>, so a caller that checks early (the CLI,
/// before it connects) and the request itself share one validation.
/// </summary>
public sealed record PreparedRpc
{
    internal PreparedRpc(RpcOptions options, ActionDdl? action, NodeLimit? limit)
    {
        Options = options;
        Action = action;
        Limit = limit;
    }

    public RpcOptions Options { get; }

    /// <summary>The action's DDL, or null when the request has no DDL.</summary>
    public ActionDdl? Action { get; }

    /// <summary>The parsed <see cref="RpcOptions.Limit"/>, or null for none.</summary>
    public NodeLimit? Limit { get; }

    /// <summary>The request signed ahead of the connect (<see cref="ChoriaClient.SignAhead"/>), or null to sign when sent.</summary>
    public PresignedRequest? SignedAhead { get; internal init; }
}
