namespace Choria.Client;

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
