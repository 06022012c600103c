using System.CommandLine;
using System.Text;
using System.Text.Json;
using Choria.Cli.Plugins;
using Choria.Ddl;
using Choria.Ddl.Ruby;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool generate ddl JSON_OUT [RUBY_OUT] [--skip-verify] [--convert]</c> (docs/plugins.md): an existing
/// JSON DDL is converted to the Ruby DDL; otherwise a questionnaire builds a new one.
/// </summary>
public static class ToolGenerateDdlCommand
{
    public static Command Create()
    {
        var jsonOut = new Argument<FileInfo>("json_output") { Description = "Where to place the JSON DDL (an existing one is converted to Ruby)" };
        var rubyOut = new Argument<FileInfo?>("ruby_output") { Description = "Where to place the Ruby DDL", Arity = ArgumentArity.ZeroOrOne };
        var skipVerify = new Option<bool>("--skip-verify") { Description = "Do not verify the JSON DDL against the DDL schema" };
        var convert = new Option<bool>("--convert") { Description = "Convert an existing JSON DDL to Ruby without asking" };

        var cmd = new Command("ddl", "Generate and convert DDL files");
        cmd.Arguments.Add(jsonOut);
        cmd.Arguments.Add(rubyOut);
        cmd.Options.Add(skipVerify);
        cmd.Options.Add(convert);
        cmd.SetAction(parse =>
        {
            var json = parse.GetValue(jsonOut)!;
            var ruby = parse.GetValue(rubyOut);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            // Echo answers that do not come from a terminal, so a scripted run reads like a session.
            var questionnaire = new DdlQuestionnaire(Console.In, output, ddl => Save(ddl, json, ruby), Console.IsInputRedirected);
            try
            {
                if (json.Exists && (parse.GetValue(convert) || questionnaire.Confirm($"JSON DDL {json.FullName} already exists, convert it to Ruby?")))
                {
                    return ConvertToRuby(json, ruby, parse.GetValue(skipVerify), output, error);
                }

                var ddl = questionnaire.Run();
                Save(ddl, json, ruby);
                output.WriteLine($"Wrote {json.FullName}" + (ruby is null ? "" : $" and {ruby.FullName}"));
                if (!parse.GetValue(skipVerify))
                {
                    Verify(DdlLoader.ToJson(ddl), output);
                }

                return 0;
            }
            catch (EndOfStreamException e)
            {
                error.WriteLine($"choria: error: {e.Message}; what was answered is in {json.FullName}");
                return 1;
            }
            catch (IOException e)
            {
                error.WriteLine($"choria: error: {e.Message}");
                return 1;
            }
        });
        return cmd;
    }

    private static int ConvertToRuby(FileInfo json, FileInfo? ruby, bool skipVerify, TextWriter output, TextWriter error)
    {
        if (ruby is null)
        {
            error.WriteLine("choria: error: converting to Ruby needs ruby_output, where to place the Ruby DDL");
            return 1;
        }

        var bytes = File.ReadAllBytes(json.FullName);
        if (!skipVerify)
        {
            Verify(Encoding.UTF8.GetString(bytes), output);
        }

        // Conversion reads the document without the schema check, as the verification above only warns.
        AgentDdl? ddl;
        try
        {
            ddl = DdlLoader.ReadUnchecked(bytes);
        }
        catch (JsonException e)
        {
            error.WriteLine($"choria: error: could not read {json.FullName}: {e.Message}");
            return 1;
        }

        if (ddl is null)
        {
            error.WriteLine($"choria: error: {json.FullName} holds no DDL");
            return 1;
        }

        File.WriteAllText(ruby.FullName, RubyDdlWriter.Write(ddl));
        output.WriteLine($"Wrote {ruby.FullName}");
        return 0;
    }

    /// <summary>A DDL that fails the schema is still written (it can be fixed by hand); the problems are listed.</summary>
    private static void Verify(string json, TextWriter output)
    {
        output.WriteLine("Validating JSON DDL against the schema...");
        IReadOnlyList<string> errors;
        try
        {
            using var doc = JsonDocument.Parse(json);
            errors = DdlSchemaValidator.Validate(doc.RootElement);
        }
        catch (JsonException e)
        {
            errors = [e.Message];
        }

        if (errors.Count == 0)
        {
            output.WriteLine("The JSON DDL is valid");
            return;
        }

        output.WriteLine($"WARN: the JSON DDL does not pass validation against {DdlQuestionnaire.SchemaUrl}:");
        foreach (var e in errors)
        {
            output.WriteLine($" - {e}");
        }
    }

    private static void Save(AgentDdl ddl, FileInfo json, FileInfo? ruby)
    {
        File.WriteAllText(json.FullName, DdlLoader.ToJson(ddl));
        if (ruby is not null)
        {
            File.WriteAllText(ruby.FullName, RubyDdlWriter.Write(ddl));
        }
    }
}
