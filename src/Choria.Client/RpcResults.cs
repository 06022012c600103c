using System.Text.Json;

namespace Choria.Client;

/// <summary>SimpleRPC status codes (docs/agents.md).</summary>
public enum RpcStatus
{
    Ok = 0,
    Aborted = 1,
    UnknownAction = 2,
    MissingData = 3,
    InvalidData = 4,
    UnknownError = 5,
}

/// <summary>One node's answer to an RPC request.</summary>
public sealed record RpcReply(string Sender, int StatusCode, string StatusMessage, JsonElement Data, DateTimeOffset Time)
{
    public bool Ok => StatusCode == 0;

    /// <summary>The header go-choria prints per status: empty for OK.</summary>
    public static string StatusText(int code) => code switch
    {
        0 => "",
        1 => "Request Aborted",
        2 => "Unknown Action",
        3 => "Missing Request Data",
        4 => "Invalid Request Data",
        _ => "Unknown Request Status",
    };
}

/// <summary>Counts and timings of one request.</summary>
public sealed record RpcStats
{
    public string RequestId { get; init; } = "";

    public int Discovered { get; init; }

    public int Responded { get; init; }

    public int Ok { get; init; }

    public int Failed { get; init; }

    public IReadOnlyList<string> NoResponses { get; init; } = [];

    public IReadOnlyList<string> UnexpectedResponses { get; init; } = [];

    public DateTimeOffset StartTime { get; init; }

    public TimeSpan DiscoveryTime { get; init; }

    public TimeSpan PublishTime { get; init; }

    public TimeSpan RequestTime { get; init; }

    /// <summary>Replies dropped because they failed decoding, the hash check or belonged to another request.</summary>
    public int Rejected { get; init; }

    /// <summary>
    /// Times a connection to the broker (publisher or reply receiver) was lost while the request ran: replies
    /// published to the broker meanwhile are gone, so missing replies may not mean silent nodes.
    /// </summary>
    public long Disconnects { get; init; }

    /// <summary>The request saw the broker connection drop and not every node answered.</summary>
    public bool Interrupted => Disconnects > 0 && !AllResponded;

    public TimeSpan AgentTime => RequestTime - PublishTime;

    public TimeSpan TotalTime => RequestTime + DiscoveryTime;

    public bool AllResponded => Discovered > 0 && Responded >= Discovered && NoResponses.Count == 0;
}

/// <summary>The outcome of <see cref="ChoriaClient.RequestAsync(PreparedRpc, CancellationToken)"/>.</summary>
public sealed record RpcResult(string Agent, string Action, IReadOnlyList<RpcReply> Replies, RpcStats Stats, IReadOnlyList<AggregateSummary> Summaries);
