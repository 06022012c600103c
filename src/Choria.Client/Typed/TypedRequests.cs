using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Protocol.Filters;

namespace Choria.Client.Typed;

/// <summary>Who a typed client asks and how: a filter or explicit nodes, collective, timeouts, batching, a limit.</summary>
public sealed record AgentRequestOptions
{
    public Filter? Filter { get; init; }

    /// <summary>Ask exactly these nodes instead of discovering.</summary>
    public IReadOnlyList<string>? Nodes { get; init; }

    public string? Collective { get; init; }

    public TimeSpan? Timeout { get; init; }

    public TimeSpan? DiscoveryTimeout { get; init; }

    public int BatchSize { get; init; }

    /// <summary>A number or percentage of the discovered nodes, as <c>--limit</c>.</summary>
    public string? Limit { get; init; }
}

/// <summary>One node's reply to a typed client: status, typed output and the raw data.</summary>
public sealed record ResultDetails<T>(string Sender, int StatusCode, string StatusMessage, T Output, JsonElement Data, DateTimeOffset Time)
{
    public bool Ok => StatusCode == 0;
}

/// <summary>Every reply of one typed request plus its statistics.</summary>
public sealed record RpcResults<T>(IReadOnlyList<ResultDetails<T>> Replies, RpcStats Stats);

/// <summary>What the generated clients of <c>choria tool generate client</c> call (docs/plugins.md).</summary>
public static class TypedAgentRequests
{
    /// <summary>Runs <paramref name="action"/> validated against <paramref name="ddl"/> and maps every reply's data through <paramref name="output"/>.</summary>
    public static async Task<RpcResults<T>> InvokeAsync<T>(ChoriaClient client, AgentDdl ddl, string action, JsonObject data, AgentRequestOptions? options, Func<JsonElement, T> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(ddl);
        ArgumentNullException.ThrowIfNull(output);
        options ??= new AgentRequestOptions();
        var result = await client.RequestAsync(new RpcOptions
        {
            Agent = ddl.Metadata.Name,
            Action = action,
            Data = data,
            Ddl = ddl,
            Filter = options.Filter ?? new Filter(),
            Nodes = options.Nodes,
            Collective = options.Collective,
            Timeout = options.Timeout,
            DiscoveryTimeout = options.DiscoveryTimeout,
            BatchSize = options.BatchSize,
            Limit = options.Limit,
        }, cancellationToken).ConfigureAwait(false);
        return new RpcResults<T>(
            [.. result.Replies.Select(r => new ResultDetails<T>(r.Sender, r.StatusCode, r.StatusMessage, output(r.Data), r.Data, r.Time))],
            result.Stats);
    }

    /// <summary>Parses the DDL a generated client embeds; throws when it is invalid (it was valid when generated).</summary>
    public static AgentDdl ParseDdl(string json, string agent) =>
        DdlLoader.Parse(System.Text.Encoding.UTF8.GetBytes(json), $"{agent} client").Ddl
        ?? throw new InvalidOperationException($"the embedded {agent} DDL is invalid");
}

/// <summary>Typed reads of reply data for generated output classes: null when absent, null or of another type.</summary>
public static class OutputValues
{
    public static JsonElement? Get(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static string? Text(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static long? Whole(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out var n) ? n : null;

    public static double? Number(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    public static bool? Flag(JsonElement data, string name) => Get(data, name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } v ? v.GetBoolean() : null;
}
