using System.Text.Json;
using System.Text.RegularExpressions;

namespace Choria.Ddl;

/// <summary>
/// Hand-written checks mirroring the constraints of <c>mcorpc/ddl/v1/agent.json</c>; a full JSON
/// schema engine would need reflection-heavy packages that are not AOT friendly.
/// </summary>
public static partial class DdlSchemaValidator
{
    private static readonly string[] s_metadataRequired = ["name", "description", "author", "license", "version", "url", "timeout"];
    private static readonly string[] s_otherInputTypes = ["boolean", "integer", "float", "number", "Hash", "Array", "hash", "array"];
    private static readonly string[] s_outputTypes = ["string", "list", "boolean", "integer", "float", "number", "Hash", "Array", "hash", "array"];
    private static readonly string[] s_displays = ["ok", "failed", "always"];

    [GeneratedRegex("^[a-z0-9_]*$")]
    private static partial Regex ShortName();

    // The schema says ^[a-z0-9_]*$ for input names, but the upstream provisioning DDLs use C, L, O, OU
    // and ST and Choria accepts them, so upper case is allowed here.
    [GeneratedRegex("^[a-zA-Z0-9_]*$")]
    private static partial Regex InputName();

    [GeneratedRegex(@"^(\d+\.)?(\d+\.)?(\*|\d+)$")]
    private static partial Regex Version();

    /// <summary>Returns every violation found (empty when the document is a valid DDL).</summary>
    public static IReadOnlyList<string> Validate(JsonElement root)
    {
        var errors = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("DDL must be a JSON object");
            return errors;
        }

        if (root.TryGetProperty("metadata", out var meta))
        {
            ValidateMetadata(meta, errors);
        }

        if (root.TryGetProperty("actions", out var actions))
        {
            if (actions.ValueKind != JsonValueKind.Array)
            {
                errors.Add("actions must be an array");
            }
            else
            {
                var i = 0;
                foreach (var action in actions.EnumerateArray())
                {
                    ValidateAction(action, $"actions[{i++}]", errors);
                }
            }
        }

        return errors;
    }

    private static void ValidateMetadata(JsonElement meta, List<string> errors)
    {
        if (meta.ValueKind != JsonValueKind.Object)
        {
            errors.Add("metadata must be an object");
            return;
        }

        foreach (var key in s_metadataRequired)
        {
            if (!meta.TryGetProperty(key, out _))
            {
                errors.Add($"metadata: {key} is required");
            }
        }

        foreach (var key in (string[])["name", "description", "author", "license", "url"])
        {
            if (meta.TryGetProperty(key, out var v) && !IsNonEmptyString(v))
            {
                errors.Add($"metadata.{key} must be a non-empty string");
            }
        }

        if (meta.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && !ShortName().IsMatch(name.GetString()!))
        {
            errors.Add($"metadata.name '{name.GetString()}' does not match ^[a-z0-9_]*$");
        }

        if (meta.TryGetProperty("version", out var version) && (version.ValueKind != JsonValueKind.String || !Version().IsMatch(version.GetString()!)))
        {
            errors.Add($"metadata.version '{version}' is not a valid version");
        }

        if (meta.TryGetProperty("timeout", out var timeout))
        {
            if (timeout.ValueKind != JsonValueKind.Number || !timeout.TryGetInt64(out var t))
            {
                errors.Add("metadata.timeout must be an integer");
            }
            else if (t < 2)
            {
                errors.Add($"metadata.timeout must be at least 2, got {t}");
            }
        }

        if (meta.TryGetProperty("provider", out var provider) && provider.ValueKind != JsonValueKind.String)
        {
            errors.Add("metadata.provider must be a string");
        }

        if (meta.TryGetProperty("service", out var service) && service.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add("metadata.service must be a boolean");
        }
    }

    private static void ValidateAction(JsonElement action, string path, List<string> errors)
    {
        if (action.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path} must be an object");
            return;
        }

        foreach (var key in (string[])["description", "action", "input", "output"])
        {
            if (!action.TryGetProperty(key, out _))
            {
                errors.Add($"{path}: {key} is required");
            }
        }

        if (action.TryGetProperty("action", out var name))
        {
            if (!IsNonEmptyString(name) || !ShortName().IsMatch(name.GetString()!))
            {
                errors.Add($"{path}.action '{name}' does not match ^[a-z0-9_]*$");
            }
            else
            {
                path = $"action {name.GetString()}";
            }
        }

        if (action.TryGetProperty("description", out var desc) && !IsNonEmptyString(desc))
        {
            errors.Add($"{path}: description must be a non-empty string");
        }

        if (action.TryGetProperty("display", out var display) && (display.ValueKind != JsonValueKind.String || !s_displays.Contains(display.GetString())))
        {
            errors.Add($"{path}: display must be one of ok, failed, always");
        }

        if (action.TryGetProperty("input", out var input))
        {
            if (input.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}: input must be an object");
            }
            else
            {
                foreach (var prop in input.EnumerateObject())
                {
                    if (!InputName().IsMatch(prop.Name))
                    {
                        errors.Add($"{path}: input name '{prop.Name}' does not match ^[a-zA-Z0-9_]*$");
                    }

                    ValidateInput(prop.Value, $"{path} input {prop.Name}", errors);
                }
            }
        }

        if (action.TryGetProperty("output", out var output))
        {
            if (output.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}: output must be an object");
            }
            else
            {
                foreach (var prop in output.EnumerateObject())
                {
                    if (ShortName().IsMatch(prop.Name))
                    {
                        ValidateOutput(prop.Value, $"{path} output {prop.Name}", errors);
                    }
                }
            }
        }

        if (action.TryGetProperty("aggregate", out var aggregate))
        {
            if (aggregate.ValueKind != JsonValueKind.Array)
            {
                errors.Add($"{path}: aggregate must be an array");
            }
            else
            {
                foreach (var item in aggregate.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object ||
                        (item.TryGetProperty("function", out var fn) && fn.ValueKind != JsonValueKind.String))
                    {
                        errors.Add($"{path}: aggregate items must be objects with a string function");
                    }
                }
            }
        }
    }

    private static void ValidateInput(JsonElement input, string path, List<string> errors)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path} must be an object");
            return;
        }

        foreach (var key in (string[])["prompt", "description"])
        {
            if (!input.TryGetProperty(key, out var v))
            {
                errors.Add($"{path}: {key} is required");
            }
            else if (!IsNonEmptyString(v))
            {
                errors.Add($"{path}: {key} must be a non-empty string");
            }
        }

        if (!input.TryGetProperty("optional", out var optional))
        {
            errors.Add($"{path}: optional is required");
        }
        else if (optional.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add($"{path}: optional must be a boolean");
        }

        if (!input.TryGetProperty("type", out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{path}: type is required and must be a string");
            return;
        }

        var type = typeEl.GetString()!;
        switch (type)
        {
            case "string":
                if (!input.TryGetProperty("validation", out var validation) || validation.ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{path}: string inputs require a string validation");
                }

                if (!input.TryGetProperty("maxlength", out var maxlength) || maxlength.ValueKind != JsonValueKind.Number)
                {
                    errors.Add($"{path}: string inputs require a numeric maxlength");
                }

                break;
            case "list":
                if (!input.TryGetProperty("list", out var list) || list.ValueKind != JsonValueKind.Array ||
                    list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                {
                    errors.Add($"{path}: list inputs require a list of strings");
                }

                break;
            default:
                if (!s_otherInputTypes.Contains(type))
                {
                    errors.Add($"{path}: unsupported type '{type}'");
                }

                break;
        }
    }

    private static void ValidateOutput(JsonElement output, string path, List<string> errors)
    {
        if (output.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path} must be an object");
            return;
        }

        foreach (var key in (string[])["description", "display_as"])
        {
            if (!output.TryGetProperty(key, out var v))
            {
                errors.Add($"{path}: {key} is required");
            }
            else if (v.ValueKind != JsonValueKind.String)
            {
                errors.Add($"{path}: {key} must be a string");
            }
        }

        if (output.TryGetProperty("type", out var type) && (type.ValueKind != JsonValueKind.String || !s_outputTypes.Contains(type.GetString())))
        {
            errors.Add($"{path}: unsupported type {type}");
        }
    }

    private static bool IsNonEmptyString(JsonElement e) => e.ValueKind == JsonValueKind.String && e.GetString()!.Length > 0;
}
