using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Choria.Ddl;

/// <summary>DDL based request validation (docs/agents.md) with the Go/MCollective error texts.</summary>
public static class InputValidator
{
    private static readonly ConcurrentDictionary<string, Regex?> s_regexCache = new(StringComparer.Ordinal);
    private static readonly string[] s_shellUnsafe = ["`", "$", ";", "|", "&&", ">", "<"];

    /// <summary>Validates request <paramref name="data"/> (an object, or null/undefined for none) against an action.</summary>
    public static InputValidationResult ValidateRequestData(ActionDdl action, JsonElement data, Action<string>? warn = null)
    {
        var present = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (data.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in data.EnumerateObject())
            {
                if (p.Name != "process_results")
                {
                    present[p.Name] = p.Value;
                }
            }
        }
        else if (data.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            return new(InputValidationFailure.InvalidInput, "request data must be an object");
        }

        foreach (var name in action.Input.Keys.Order(StringComparer.Ordinal))
        {
            var input = action.Input[name];
            if (!present.TryGetValue(name, out var value))
            {
                if (!input.Optional)
                {
                    return new(InputValidationFailure.MissingInput, $"input '{name}' is required");
                }

                continue;
            }

            var reason = ValidateInputValue(input, value, warn);
            if (reason is not null)
            {
                return new(InputValidationFailure.InvalidInput, $"validation failed for input '{name}': {reason}");
            }
        }

        if (action.Input.Count == 0 && present.Count > 0)
        {
            return new(InputValidationFailure.UndeclaredInput, "request contains inputs while none are declared in the DDL");
        }

        foreach (var key in present.Keys.Order(StringComparer.Ordinal))
        {
            if (!action.Input.ContainsKey(key))
            {
                var valid = string.Join(", ", action.Input.Keys.Order(StringComparer.Ordinal));
                return new(InputValidationFailure.UndeclaredInput, $"request contains an input '{key}' that is not declared in the DDL. Valid inputs are: {valid}");
            }
        }

        return InputValidationResult.Ok;
    }

    /// <summary>Checks one value against its input declaration; returns the reason it is invalid or null.</summary>
    public static string? ValidateInputValue(InputItem input, JsonElement value, Action<string>? warn = null)
    {
        switch (input.Type.ToLowerInvariant())
        {
            case "integer" or "int":
                return value.ValueKind == JsonValueKind.Number && IsWholeNumber(value) ? null : $"{Show(value)} is not an integer";
            case "number":
                return value.ValueKind == JsonValueKind.Number ? null : $"{Show(value)} is not a number";
            case "float":
                return value.ValueKind == JsonValueKind.Number ? null : $"{Show(value)} is not a float";
            case "boolean":
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"{Show(value)} is not a boolean";
            case "hash":
                return value.ValueKind == JsonValueKind.Object ? null : $"{Show(value)} is not a hash";
            case "array":
                return value.ValueKind == JsonValueKind.Array ? null : $"{Show(value)} is not an array";
            case "list":
                if (input.List is not { Count: > 0 })
                {
                    return "input type of list without a valid list of items in DDL";
                }

                if (value.ValueKind != JsonValueKind.String || !input.List.Contains(value.GetString()!))
                {
                    return $"should be one of {string.Join(", ", input.List)}";
                }

                return null;
            case "string":
                if (value.ValueKind != JsonValueKind.String)
                {
                    return $"{Show(value)} is not a string";
                }

                // maxlength 0 disables every further check, a quirk both Go revisions keep.
                if (input.MaxLength == 0)
                {
                    return null;
                }

                var s = value.GetString()!;
                if (Encoding.UTF8.GetByteCount(s) > input.MaxLength)
                {
                    return $"is longer than {input.MaxLength} characters";
                }

                return string.IsNullOrEmpty(input.Validation) ? null : ValidateString(s, input.Validation, warn);
            case "" or "any":
                return null;
            default:
                return $"unsupported input type '{input.Type}'";
        }
    }

    /// <summary>Applies a string validator: named (<c>shellsafe</c>, <c>ipv4address</c>, ...) or a regular expression.</summary>
    public static string? ValidateString(string value, string validation, Action<string>? warn = null)
    {
        switch (validation)
        {
            case "shellsafe":
                foreach (var c in s_shellUnsafe)
                {
                    if (value.Contains(c, StringComparison.Ordinal))
                    {
                        return $"may not contain '{c}'";
                    }
                }

                return null;
            case "ipv4address":
                return IsIPv4(value) ? null : $"{value} is not an IPv4 address";
            case "ipv6address":
                return IsIPv6(value) ? null : $"{value} is not an IPv6 address";
            case "ipaddress":
                return IsIPv4(value) || IsIPv6(value) ? null : $"{value} is not an IP address";
        }

        // Go treats anything that starts lower-case as a (named) validator, so it is never a regex.
        if (validation.Length > 0 && validation[0] is >= 'a' and <= 'z')
        {
            warn?.Invoke($"Unsupported validator '{validation}'");
            return null;
        }

        var re = s_regexCache.GetOrAdd(validation, Compile);
        if (re is null)
        {
            return $"invalid regex '{validation}'";
        }

        try
        {
            return re.IsMatch(value) ? null : $"input does not match '{validation}'";
        }
        catch (RegexMatchTimeoutException)
        {
            return $"input does not match '{validation}'";
        }
    }

    /// <summary>
    /// Converts a command line string to the DDL type (<c>ValToDDLType</c>); used by clients that
    /// build request data from <c>key=value</c> arguments.
    /// </summary>
    public static bool TryConvertString(string type, string value, out JsonNode? result, out string? error)
    {
        result = null;
        error = null;
        switch (type.ToLowerInvariant())
        {
            case "integer" or "int":
                if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    result = JsonValue.Create(l);
                    return true;
                }

                error = $"'{value}' is not a valid integer";
                return false;
            case "float" or "number":
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    result = JsonValue.Create(d);
                    return true;
                }

                error = $"'{value}' is not a valid float";
                return false;
            case "boolean":
                switch (value)
                {
                    case "1" or "t" or "T" or "TRUE" or "true" or "True":
                        result = JsonValue.Create(true);
                        return true;
                    case "0" or "f" or "F" or "FALSE" or "false" or "False":
                        result = JsonValue.Create(false);
                        return true;
                    default:
                        error = $"'{value}' is not a valid boolean";
                        return false;
                }

            case "hash" or "array":
                try
                {
                    // A repeated key would only throw later, when the request is written (JsonObject is built lazily).
                    result = JsonNode.Parse(value, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
                    var ok = type.Equals("hash", StringComparison.OrdinalIgnoreCase) ? result is JsonObject : result is JsonArray;
                    if (!ok)
                    {
                        error = $"'{value}' is not a valid JSON {type.ToLowerInvariant()}";
                    }

                    return ok;
                }
                catch (JsonException e)
                {
                    error = $"'{value}' is not valid JSON: {e.Message}";
                    return false;
                }

            default:
                result = JsonValue.Create(value);
                return true;
        }
    }

    /// <summary>Inserts every declared output with a non-null DDL default that the reply data lacks.</summary>
    public static void SetOutputDefaults(ActionDdl action, JsonObject data)
    {
        foreach (var (name, output) in action.Output)
        {
            if (!data.ContainsKey(name) && output.Default is { ValueKind: not JsonValueKind.Null } def)
            {
                data[name] = JsonNode.Parse(def.GetRawText());
            }
        }
    }

    internal static bool IsIPv4(string s)
    {
        var parts = s.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit) || int.Parse(p, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsIPv6(string s) =>
        s.Contains(':', StringComparison.Ordinal) && !s.Contains('%', StringComparison.Ordinal) &&
        System.Net.IPAddress.TryParse(s, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    private static bool IsWholeNumber(JsonElement value) =>
        value.TryGetInt64(out _) || (value.TryGetDouble(out var d) && double.IsFinite(d) && Math.Floor(d) == d);

    private static string Show(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static Regex? Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
