using System.CommandLine;
using System.Text.Json;

namespace Choria.Cli.Tests;

public class ToolConfigCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var parsed = ChoriaApp.BuildRoot().Parse(args);
        var code = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Markdown_is_the_settings_docs_page()
    {
        var (code, stdout, _) = Run("tool", "config", "--markdown");
        Assert.Equal(0, code);
        Assert.Equal(Choria.Config.Settings.SettingsDocs.RenderMarkdown(), stdout);
    }

    [Fact]
    public void Plain_output_filters_by_substring_and_regex()
    {
        var (code, stdout, _) = Run("tool", "config", "loglevel", "^plugin\\.choria\\.adapter\\..*\\.type$");
        Assert.Equal(0, code);
        var keys = stdout.Split('\n').Where(l => l.Length > 0 && l[0] != ' ').Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(["loglevel", "plugin.choria.adapter.<name>.type"], keys);
    }

    [Fact]
    public void Json_output_includes_current_values_from_the_config_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "loglevel = warn\nidentity = n1.example.net\nbogus = 1\n");
            var (code, stdout, stderr) = Run("tool", "config", "--json", "--config", file, "loglevel");
            Assert.Equal(0, code);
            Assert.Contains("unknown configuration setting bogus", stderr, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(stdout);
            var row = Assert.Single(doc.RootElement.EnumerateArray());
            Assert.Equal("loglevel", row.GetProperty("key").GetString());
            Assert.Equal("info", row.GetProperty("default").GetString());
            Assert.Equal("warn", row.GetProperty("value").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("^plugin\\.nats\\.ngs$")]
    [InlineData("^plugin\\.choria\\.server\\.provision$")]
    public void Keys_whose_default_is_not_assigned_show_the_spec_default(string filter)
    {
        var (code, stdout, _) = Run("tool", "config", filter);
        Assert.Equal(0, code);
        Assert.Contains("default: false", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("(unset)", stdout, StringComparison.Ordinal);

        (code, stdout, _) = Run("tool", "config", "--json", filter);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("false", Assert.Single(doc.RootElement.EnumerateArray()).GetProperty("default").GetString());
    }

    [Fact]
    public void Invalid_config_value_is_reported_with_exit_code_1()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "identity = n1.example.net\nttl = soon\n");
            var (code, _, stderr) = Run("tool", "config", "--config", file);
            Assert.Equal(1, code);
            Assert.Contains(":2: invalid value 'soon' for ttl", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
