using System.Text.Json;
using Choria.Ddl.Ruby;

namespace Choria.Ddl.Tests;

/// <summary>
/// JSON DDL → Ruby DDL (<see cref="RubyDdlWriter"/>) → back through real ruby and MCollective 2.12's DDL classes
/// (<see cref="RubyDdlConverter"/>): every field the Ruby DDL can hold survives the trip.
/// </summary>
[Trait("Requires", "ruby")]
public sealed class RubyDdlWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("choria-ddl-write-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string> Sources() =>
    [
        .. DdlLoader.BuiltinNames.Select(n => "builtin:" + n),
        TestPaths.Fixture("agents", "ruby", "mcollective", "agent", "jsonddl.json"),
        TestPaths.Fixture("agents", "external", "pyecho.json"),
    ];

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task A_json_ddl_written_as_ruby_converts_back_to_the_same_ddl(string source)
    {
        var original = Load(source);
        var name = original.Metadata.Name;
        var rubyPath = Path.Combine(_root, name + ".ddl");
        await File.WriteAllTextAsync(rubyPath, RubyDdlWriter.Write(original));

        var converter = new RubyDdlConverter(new RubyDdlConverterOptions { CacheDirectory = Path.Combine(_root, "cache") });
        var back = await converter.LoadAsync(rubyPath, CancellationToken.None);
        Assert.True(back.Success, back.Error + "\n" + await File.ReadAllTextAsync(rubyPath));
        Assert.Equal(Comparable(original), Comparable(back.Ddl!));
    }

    [Fact]
    public void Strings_are_escaped_and_validations_keep_their_form()
    {
        var ddl = new AgentDdl
        {
            Metadata = new DdlMetadata { Name = "esc", Description = "Quotes \" back\\slash #{not_interpolated}", Author = "a", License = "b", Version = "1.0.0", Url = "https://x", Timeout = 2 },
            Actions =
            [
                new ActionDdl
                {
                    Action = "run",
                    Description = "d",
                    Display = "always",
                    Input =
                    {
                        ["cmd"] = new InputItem { Prompt = "p", Description = "d", Type = "string", Validation = "shellsafe", MaxLength = 10 },
                        ["re"] = new InputItem { Prompt = "p", Description = "d", Type = "string", Validation = @"^\d+'x$", Optional = true },
                    },
                },
            ],
        };

        var ruby = RubyDdlWriter.Write(ddl);
        Assert.Contains(@":description => ""Quotes \"" back\\slash \#{not_interpolated}"",", ruby, StringComparison.Ordinal);
        Assert.Contains(":validation  => :shellsafe,", ruby, StringComparison.Ordinal);
        Assert.Contains(@":validation  => '^\\d+\'x$',", ruby, StringComparison.Ordinal);
        Assert.StartsWith("metadata :name        => \"esc\",\n         :description => ", ruby, StringComparison.Ordinal);
        Assert.Contains("action \"run\", :description => \"d\" do\n  display :always\n", ruby, StringComparison.Ordinal);
    }

    private static AgentDdl Load(string source)
    {
        var result = source.StartsWith("builtin:", StringComparison.Ordinal) ? DdlLoader.LoadBuiltin(source["builtin:".Length..]) : DdlLoader.LoadFile(source);
        Assert.True(result.Success, result.Error);
        return result.Ddl!;
    }

    /// <summary>
    /// What a Ruby DDL holds: the metadata without provider/service, and per type only the input fields MCollective
    /// keeps (validation and maxlength for strings, the values of lists); output types are not part of the Ruby DSL.
    /// </summary>
    private static string Comparable(AgentDdl ddl)
    {
        var m = ddl.Metadata;
        var parts = new List<string> { string.Join("|", m.Name, m.Description, m.Author, m.License, m.Version, m.Url, m.Timeout) };
        foreach (var a in ddl.Actions.OrderBy(a => a.Action, StringComparer.Ordinal))
        {
            parts.Add($"action {a.Action}|{a.Description}|{a.Display}");
            foreach (var (n, i) in a.Input.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var typed = i.Type switch
                {
                    "string" => $"{i.Validation ?? ""}|{i.MaxLength}",
                    "list" => string.Join(",", i.List ?? []),
                    _ => "",
                };
                parts.Add($"  input {n}|{i.Prompt}|{i.Description}|{i.Type}|{i.Optional}|{Raw(i.Default)}|{typed}");
            }

            foreach (var (n, o) in a.Output.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                parts.Add($"  output {n}|{o.Description}|{o.DisplayAs}|{Raw(o.Default)}");
            }

            foreach (var g in a.Aggregate ?? [])
            {
                parts.Add($"  aggregate {g.Function}({string.Join(",", g.Args.Select(Canon))})");
            }
        }

        return string.Join("\n", parts);
    }

    private static string Raw(JsonElement? e) => e is { ValueKind: not JsonValueKind.Null } v ? Canon(v) : "null";

    /// <summary>The value without the formatting of the document it came from.</summary>
    private static string Canon(JsonElement e)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            e.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
