using System.Text.Json;
using Choria.Protocol.Filters;

namespace Choria.Server.Authorization;

/// <summary>Evaluates one fact filter string (server.md 4.7 syntax) against the facts.</summary>
public interface IFactMatcher
{
    bool Matches(JsonElement facts, string filter);
}

/// <summary>
/// Action policy fact matching with the discovery filter engine, so a policy and a <c>-F</c> filter agree on
/// every operator and on the 2020 comparison quirks. Unparsable filters and evaluation errors do not match.
/// </summary>
public sealed class FilterFactMatcher : IFactMatcher
{
    public static FilterFactMatcher Instance { get; } = new();

    public bool Matches(JsonElement facts, string filter) =>
        FactFilterParser.TryParse(filter, out var parsed, out _) && FactComparer.Matches(facts, parsed, out _);
}
