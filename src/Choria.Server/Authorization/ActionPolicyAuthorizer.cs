using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.RegularExpressions;
using Choria.Server.Agents;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Authorization;

public sealed record ActionPolicyOptions
{
    /// <summary>Directory holding <c>&lt;agent&gt;.policy</c> and <c>groups</c> (<c>&lt;config dir&gt;/policies</c>).</summary>
    public string PolicyDirectory { get; init; } = "";

    /// <summary>
    /// <c>plugin.actionpolicy.allow_unconfiguredt</c> (sic): only the starting default while a file is
    /// evaluated; a missing policy file is always denied, as in Go.
    /// </summary>
    public bool AllowUnconfigured { get; init; }

    /// <summary><c>plugin.actionpolicy.enable_default</c>.</summary>
    public bool EnableDefault { get; init; }

    /// <summary><c>plugin.actionpolicy.default_name</c>.</summary>
    public string DefaultName { get; init; } = "default";
}

/// <summary>MCollective <c>actionpolicy</c> compatible authorization (docs/agents.md).</summary>
internal sealed partial class ActionPolicyAuthorizer(
    ActionPolicyOptions options,
    Func<JsonElement> facts,
    Func<IReadOnlyList<string>> classes,
    IFactMatcher factMatcher,
    ILogger<ActionPolicyAuthorizer> logger) : IRequestAuthorizer
{
    [GeneratedRegex(@"^policy\s+default\s+(\w+)")]
    private static partial Regex DefaultLine();

    [GeneratedRegex(@"^([\w.-]+)\s+(.+)$")]
    private static partial Regex GroupLine();

    // Go's IsCompound, applied to each space separated word: "environment!=dev" is a plain fact filter, only a
    // word starting with "!", a bare and/or/not or a parenthesised group makes the column compound.
    [GeneratedRegex(@"^!|^not$|^or$|^and$|\(.+\)")]
    private static partial Regex CompoundWord();

    // Go's check that the classes column holds no fact filter ("fact found where class was expected").
    [GeneratedRegex(@"(.+)(<|>|=|<=|>=)(.+)")]
    private static partial Regex FactInClasses();

    public bool IsAuthorized(ActionRequest request)
    {
        var file = PolicyFile(request.Agent);
        if (file is null)
        {
            LogNoPolicy(request.Agent);
            return false;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(file, e.Message);
            return false;
        }

        var (allowed, reason) = Evaluate(request, file, lines);
        if (!allowed)
        {
            LogDenying(request.RequestId, reason);
        }

        return allowed;
    }

    private (bool Allowed, string Reason) Evaluate(ActionRequest request, string file, string[] lines)
    {
        var name = Path.GetFileName(file);
        var allow = options.AllowUnconfigured;
        Dictionary<string, HashSet<string>>? groups = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var def = DefaultLine().Match(line);
            if (def.Success)
            {
                allow = def.Groups[1].Value == "allow";
                continue;
            }

            var cols = raw.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (cols.Length is < 4 or > 5 || cols[0] is not ("allow" or "deny"))
            {
                LogBadLine(file, raw);
                continue;
            }

            var classesColumn = cols.Length == 5 ? cols[4] : null;
            if (IsCompound(cols[3]) || (classesColumn is not null && IsCompound(classesColumn)))
            {
                LogCompoundLine(file, raw);
                continue;
            }

            groups ??= LoadGroups();
            if (!CallerMatches(cols[1], request.CallerId, groups) || !ActionMatches(cols[2], request.Action))
            {
                continue;
            }

            // Both columns are checked for errors before either result is used, as Go does: a broken rule that
            // could decide this request denies it outright instead of letting a later rule allow it.
            if (!TryFactsMatch(cols[3], out var factsMatched, out var error) ||
                !TryClassesMatch(classesColumn, out var classesMatched, out error))
            {
                return (false, $"{error} in {name} rule '{raw}'");
            }

            if (factsMatched && classesMatched)
            {
                return cols[0] == "allow" ? (true, "") : (false, $"Denying based on explicit 'deny' policy in {name}");
            }
        }

        return allow ? (true, "") : (false, $"Denying based on default policy in {name}");
    }

    private static bool IsCompound(string column) =>
        column.Split(' ').Any(word => CompoundWord().IsMatch(word));

    private string? PolicyFile(string agent)
    {
        var specific = Path.Combine(options.PolicyDirectory, agent + ".policy");
        if (File.Exists(specific))
        {
            return specific;
        }

        var fallback = Path.Combine(options.PolicyDirectory, options.DefaultName + ".policy");
        return options.EnableDefault && File.Exists(fallback) ? fallback : null;
    }

    private Dictionary<string, HashSet<string>> LoadGroups()
    {
        var groups = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var file = Path.Combine(options.PolicyDirectory, "groups");
        if (!File.Exists(file))
        {
            return groups;
        }

        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            var m = GroupLine().Match(line);
            if (line.StartsWith('#') || !m.Success)
            {
                continue;
            }

            groups[m.Groups[1].Value] = [.. m.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }

        return groups;
    }

    private static bool CallerMatches(string column, string caller, Dictionary<string, HashSet<string>> groups)
    {
        if (column == "*")
        {
            return true;
        }

        foreach (var entry in column.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (entry == caller ||
                (IsRegex(entry) && RegexMatches(entry[1..^1], caller)) ||
                (groups.TryGetValue(entry, out var members) && members.Contains(caller)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ActionMatches(string column, string action) =>
        column == "*" || column.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(action);

    private bool TryFactsMatch(string column, out bool matched, [NotNullWhen(false)] out string? error)
    {
        matched = true;
        error = null;
        if (column == "*")
        {
            return true;
        }

        var current = facts();
        foreach (var filter in column.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!factMatcher.TryMatch(current, filter, out var one, out var parseError))
            {
                error = $"invalid fact matcher: {parseError}";
                return false;
            }

            matched &= one;
        }

        return true;
    }

    private bool TryClassesMatch(string? column, out bool matched, [NotNullWhen(false)] out string? error)
    {
        matched = true;
        error = null;
        if (column is null or "*")
        {
            return true;
        }

        var needles = column.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (needles.Any(c => FactInClasses().IsMatch(c)))
        {
            error = "fact found where class was expected";
            return false;
        }

        var current = classes();
        matched = needles.All(c => IsRegex(c) ? current.Any(k => RegexMatches(c[1..^1], k)) : current.Contains(c));
        return true;
    }

    private static bool IsRegex(string s) => s.Length >= 2 && s[0] == '/' && s[^1] == '/';

    private static bool RegexMatches(string pattern, string input)
    {
        try
        {
            return Regex.IsMatch(input, pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No policy file found for agent {Agent}, denying")]
    private partial void LogNoPolicy(string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read policy file {File}: {Reason}")]
    private partial void LogUnreadable(string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Denying request {RequestId}: {Reason}")]
    private partial void LogDenying(string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compound policy statements are not supported, skipping line in {File}: {Line}")]
    private partial void LogCompoundLine(string file, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping invalid policy line in {File}: {Line}")]
    private partial void LogBadLine(string file, string line);
}
