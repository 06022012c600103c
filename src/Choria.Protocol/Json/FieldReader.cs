using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Choria.Protocol.Json;

/// <summary>
/// Reads typed fields of one JSON object and remembers the first constraint failure, so a
/// decoder can read every field and check <see cref="Error"/> once.
/// </summary>
internal sealed class FieldReader(JsonElement obj, string layer)
{
    public ProtocolError? Error { get; private set; }

    [MemberNotNullWhen(true, nameof(Error))]
    public bool Failed => Error is not null;

    public void Fail(ProtocolErrorReason reason, string message) => Error ??= new ProtocolError(reason, $"{layer}: {message}");

    public bool Has(string name) => obj.TryGetProperty(name, out _);

    /// <summary>Checks the <c>protocol</c> discriminator: absent is a missing field, any other value an unknown protocol.</summary>
    public void Protocol(string expected)
    {
        var protocol = RequiredString("protocol");
        if (!Failed && protocol != expected)
        {
            Fail(ProtocolErrorReason.UnknownProtocol, $"protocol '{protocol}' is not '{expected}'");
        }
    }

    public string RequiredString(string name, int minLength = 0, int exactLength = -1)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            Fail(ProtocolErrorReason.MissingField, $"required field '{name}' is missing");
            return "";
        }

        return CheckString(name, value, minLength, exactLength);
    }

    public string? OptionalString(string name, int minLength = 0)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return CheckString(name, value, minLength, -1);
    }

    public long RequiredInteger(string name, long minimum = long.MinValue)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            Fail(ProtocolErrorReason.MissingField, $"required field '{name}' is missing");
            return 0;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            Fail(ProtocolErrorReason.WrongType, $"field '{name}' must be an integer");
            return 0;
        }

        if (number < minimum)
        {
            Fail(ProtocolErrorReason.ConstraintViolation, $"field '{name}' is {number}, below the minimum {minimum}");
        }

        return number;
    }

    public JsonElement? RequiredObject(string name)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            Fail(ProtocolErrorReason.MissingField, $"required field '{name}' is missing");
            return null;
        }

        return CheckObject(name, value);
    }

    public JsonElement? OptionalObject(string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return CheckObject(name, value);
    }

    /// <summary>Absent gives null; present must be an array (JSON null is rejected like Go's schema does).</summary>
    public JsonElement? Array(string name, bool required)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            if (required)
            {
                Fail(ProtocolErrorReason.MissingField, $"required field '{name}' is missing");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Fail(ProtocolErrorReason.WrongType, $"field '{name}' must be an array, not {value.ValueKind}");
            return null;
        }

        return value;
    }

    public List<string> StringArray(string name, bool required)
    {
        var result = new List<string>();
        if (Array(name, required) is not { } array)
        {
            return result;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (!JsonStrings.TryGet(item, out var text))
            {
                Fail(ProtocolErrorReason.WrongType, $"items of '{name}' must be valid strings");
                return result;
            }

            result.Add(text);
        }

        return result;
    }

    private string CheckString(string name, JsonElement value, int minLength, int exactLength)
    {
        if (!JsonStrings.TryGet(value, out var text))
        {
            Fail(ProtocolErrorReason.WrongType, $"field '{name}' must be a valid string, not {value.ValueKind}");
            return "";
        }

        // JSON Schema lengths count code points, not UTF-16 units.
        if (exactLength >= 0 && text.EnumerateRunes().Count() is var runes && runes != exactLength)
        {
            Fail(ProtocolErrorReason.ConstraintViolation, $"field '{name}' must be exactly {exactLength} characters, got {runes}");
        }
        else if (text.Length < minLength)
        {
            Fail(ProtocolErrorReason.ConstraintViolation, minLength == 1 ? $"field '{name}' must not be empty" : $"field '{name}' must be at least {minLength} characters");
        }

        return text;
    }

    private JsonElement? CheckObject(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Fail(ProtocolErrorReason.WrongType, $"field '{name}' must be an object, not {value.ValueKind}");
            return null;
        }

        return value;
    }
}
