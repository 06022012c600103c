using System.Text.Json;
using Choria.Protocol.Filters;

namespace Choria.Protocol.Tests.Filters;

/// <summary>Data plugins answering from a fixed table: plugin/query to a JSON document.</summary>
internal sealed class FakeDataProvider(Dictionary<string, string> answers) : IDataFunctionProvider
{
    public List<(string Plugin, string? Query)> Calls { get; } = [];

    public bool TryQuery(string plugin, string? query, NodeData node, out JsonElement result)
    {
        Calls.Add((plugin, query));
        if (answers.TryGetValue($"{plugin}/{query}", out var json))
        {
            result = JsonDocument.Parse(json).RootElement.Clone();
            return true;
        }

        result = default;
        return false;
    }
}
