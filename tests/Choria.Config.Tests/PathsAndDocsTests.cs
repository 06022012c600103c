using Choria.Config.Settings;

namespace Choria.Config.Tests;

public class PathsAndDocsTests
{
    [Fact]
    public void Client_config_search_order_2020()
    {
        var existing = new HashSet<string>();
        string? Find() => ConfigPaths.FindClientConfig("/home/u", existing.Contains);

        Assert.Equal("/etc/puppetlabs/mcollective/client.cfg", Find());
        existing.Add("/etc/choria/client.cfg");
        Assert.Equal("/etc/choria/client.cfg", Find());
        existing.Add("/etc/choria/client.conf");
        Assert.Equal("/etc/choria/client.conf", Find());
        existing.Add("/home/u/.mcollective");
        Assert.Equal("/home/u/.mcollective", Find());
        existing.Add("/home/u/.choria");
        Assert.Equal("/home/u/.choria", Find());
        existing.Add("/home/u/.choriarc");
        Assert.Equal("/home/u/.choriarc", Find());
    }

    [Fact]
    public void Client_config_without_home_skips_home_files()
    {
        Assert.Equal("/etc/choria/client.conf", ConfigPaths.FindClientConfig(null, p => p is "/etc/choria/client.conf" or "/.choriarc"));
    }

    [Fact]
    public void Daemon_config_paths()
    {
        Assert.Equal("/etc/choria/server.conf", ConfigPaths.DefaultServerConfig);
        Assert.Equal("/etc/choria/broker.conf", ConfigPaths.DefaultBrokerConfig);
    }

    [Fact]
    public void Markdown_lists_every_setting_grouped_by_category()
    {
        var md = SettingsDocs.RenderMarkdown();
        foreach (var d in SettingsTable.All)
        {
            Assert.Contains("| `" + d.Key.Replace("|", "\\|", StringComparison.Ordinal) + "` |", md, StringComparison.Ordinal);
        }

        foreach (var category in SettingsTable.All.Select(d => d.Category).Distinct())
        {
            Assert.Contains("## " + category + "\n", md, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Committed_docs_match_the_settings_table()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "docs", "configuration.md");
        var committed = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.True(committed == SettingsDocs.RenderMarkdown(),
            "docs/configuration.md is out of date with SettingsTable; regenerate it with: " +
            "dotnet run --project src/Choria.Cli -- tool config --markdown > docs/configuration.md");
    }
}
