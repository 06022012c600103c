using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Protocol.Filters;

namespace Choria.Client.Typed;

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
