using System.Collections.Frozen;
using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Protocol.Json;

namespace Choria.Protocol.Messages;

/// <summary>Reads <c>envelope.filter</c> with the schema's constraints; unknown keys are ignored (docs/protocol.md).</summary>
internal static class FilterReader
{
    /// <summary>The fact filter operators the schema allows; the request scan checks the same set.</summary>
    public static readonly FrozenSet<string> Operators = new[] { "==", "!=", "<", ">", "<=", ">=", "=~" }.ToFrozenSet(StringComparer.Ordinal);

    public static Filter Read(JsonElement element, FieldReader parent)
    {
        var reader = new FieldReader(element, "filter");
        var filter = new Filter(
            ReadFacts(reader),
            reader.StringArray("cf_class", required: true),
            reader.StringArray("agent", required: false),
            reader.StringArray("identity", required: true),
            ReadCompound(reader));
        if (reader.Error is { } e)
        {
            parent.Fail(e.Reason, e.Message);
        }

        return filter;
    }

    private static List<FactFilter> ReadFacts(FieldReader reader)
    {
        var facts = new List<FactFilter>();
        if (reader.Array("fact", required: true) is not { } array)
        {
            return facts;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                reader.Fail(ProtocolErrorReason.WrongType, "fact filters must be objects");
                return facts;
            }

            var fr = new FieldReader(item, "fact filter");
            var fact = new FactFilter
            {
                Fact = fr.RequiredString("fact", minLength: 1),
                Operator = fr.RequiredString("operator"),
                Value = fr.RequiredString("value", minLength: 1),
            };
            if (!fr.Failed && !Operators.Contains(fact.Operator))
            {
                fr.Fail(ProtocolErrorReason.ConstraintViolation, $"operator '{fact.Operator}' is not one of == != < > <= >= =~");
            }

            if (fr.Error is { } e)
            {
                reader.Fail(e.Reason, e.Message);
                return facts;
            }

            facts.Add(fact);
        }

        return facts;
    }

    private static List<List<JsonElement>> ReadCompound(FieldReader reader)
    {
        var compound = new List<List<JsonElement>>();
        if (reader.Array("compound", required: true) is not { } array)
        {
            return compound;
        }

        foreach (var stack in array.EnumerateArray())
        {
            if (stack.ValueKind != JsonValueKind.Array)
            {
                reader.Fail(ProtocolErrorReason.WrongType, "compound filters must be arrays");
                return compound;
            }

            var statements = new List<JsonElement>();
            foreach (var statement in stack.EnumerateArray())
            {
                if (statement.ValueKind != JsonValueKind.Object)
                {
                    reader.Fail(ProtocolErrorReason.WrongType, "compound statements must be objects");
                    return compound;
                }

                if (!JsonStrings.IsReadable(statement))
                {
                    reader.Fail(ProtocolErrorReason.WrongType, "compound statements must hold valid text (a lone surrogate escape is not)");
                    return compound;
                }

                // Clone: the element must outlive the parsed document.
                statements.Add(statement.Clone());
            }

            compound.Add(statements);
        }

        return compound;
    }
}
