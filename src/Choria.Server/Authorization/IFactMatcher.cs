using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Choria.Protocol.Filters;

namespace Choria.Server.Authorization;

/// <summary>Evaluates one fact filter string (docs/server.md syntax) against the facts.</summary>
internal interface IFactMatcher
{
    /// <summary>
    /// False with <paramref name="error"/> set when <paramref name="filter"/> is not a valid fact filter: an action
    /// policy must then deny the whole request, not merely skip the rule, or a typo in a deny rule would open access.
    /// </summary>
    bool TryMatch(JsonElement facts, string filter, out bool matched, [NotNullWhen(false)] out string? error);
}

/// <summary>
/// Action policy fact matching with the discovery filter engine, so a policy and a <c>-F</c> filter agree on
/// every operator and on the 2020 comparison quirks. Evaluation errors (an operator that does not apply to the
/// fact's type, a missing fact) only make the filter not match, as Go's <c>facts.MatchFile</c> does.
/// </summary>
internal sealed class FilterFactMatcher : IFactMatcher
{
    public static FilterFactMatcher Instance { get; } = new();

    public bool TryMatch(JsonElement facts, string filter, out bool matched, [NotNullWhen(false)] out string? error)
    {
        matched = false;
        if (!FactFilterParser.TryParse(filter, out var parsed, out var parseError))
        {
            error = parseError;
            return false;
        }

        error = null;
        matched = FactComparer.Matches(facts, parsed, out _);
        return true;
    }
}
