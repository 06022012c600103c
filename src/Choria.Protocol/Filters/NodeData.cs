using System.Text.Json;

namespace Choria.Protocol.Filters;

/// <summary>
/// What a node knows about itself for filter evaluation (docs/server.md). Facts are the merged
/// facts document (an object; <c>default</c> when there are none).
/// </summary>
public sealed record NodeData(string Identity, IReadOnlyList<string> Classes, IReadOnlyList<string> Agents, JsonElement Facts);
