using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Choria.Protocol.Filters.Compound;

/// <summary>
/// An MCollective <c>fstatement</c>: <c>name(params).value operator r_compare</c>, e.g.
/// <c>fstat("/etc/hosts").size &gt; 100</c>. Mirrors Ruby <c>Matcher.create_function_hash</c>.
/// </summary>
public sealed record DataFunctionCall
{
    public required string Name { get; init; }

    public string? Params { get; init; }

    /// <summary>Output key to compare; null compares the whole result.</summary>
    public string? Value { get; init; }

    public string? Operator { get; init; }

    public string? RCompare { get; init; }

    /// <summary>Reads the hash form Ruby clients send; false when required keys are missing or mistyped.</summary>
    public static bool TryFromJson(JsonElement element, [NotNullWhen(true)] out DataFunctionCall? call)
    {
        call = null;
        if (element.ValueKind == JsonValueKind.String)
        {
            return CompoundParser.TryParseFunction(element.GetString() ?? "", out call);
        }

        if (element.ValueKind != JsonValueKind.Object || !TryString(element, "name", out var name) || string.IsNullOrEmpty(name))
        {
            return false;
        }

        if (!TryString(element, "params", out var parameters) || !TryString(element, "value", out var value)
            || !TryString(element, "operator", out var op) || !TryString(element, "r_compare", out var rCompare))
        {
            return false;
        }

        call = new DataFunctionCall { Name = name, Params = parameters, Value = value, Operator = op, RCompare = rCompare };
        return true;
    }

    private static bool TryString(JsonElement obj, string key, out string? value)
    {
        value = null;
        if (!obj.TryGetProperty(key, out var prop))
        {
            return true;
        }

        switch (prop.ValueKind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.String:
                value = prop.GetString();
                return true;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                value = prop.GetRawText();
                return true;
            default:
                return false;
        }
    }
}
