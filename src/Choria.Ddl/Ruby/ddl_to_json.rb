# Converts an MCollective Ruby agent DDL (the DSL of <name>.ddl) into the JSON agent DDL that
# Choria reads (docs/agents.md). Usage: ruby - <file.ddl>  (this program on stdin) or
# ruby ddl_to_json.rb <file.ddl>. Writes the JSON on stdout; errors go to stderr with exit status 1.
#
# The file is evaluated by MCollective's own AgentDDL class so every DSL method (metadata, action,
# input, output, display, summarize/aggregate, requires) and its checks behave as under mcollectived.
require "json"

# Ruby 3.2 removed File.exists?, which MCollective 2.12 still calls.
unless File.respond_to?(:exists?)
  def File.exists?(path)
    File.exist?(path)
  end
end

begin
  require "mcollective"
rescue LoadError => e
  warn "MCollective is not installed for #{RUBY_DESCRIPTION}: #{e.message}"
  exit 1
end

def scalar(value)
  case value
  when Symbol then value.to_s
  when Regexp then value.source
  when Hash then value.each_with_object({}) { |(k, v), h| h[k.to_s] = scalar(v) }
  when Array then value.map { |v| scalar(v) }
  else value
  end
end

path = ARGV[0]
if path.nil? || !File.file?(path)
  warn "usage: ddl_to_json <file.ddl>"
  exit 1
end

name = File.basename(path, ".ddl")

begin
  config = MCollective::Config.instance
  # Client mode: the summarize block is only evaluated outside the server, and aggregates are wanted here.
  config.set_config_defaults(path)
  config.instance_variable_set(:@logger_type, "console")
  config.instance_variable_set(:@loglevel, "error")
  MCollective::Log.configure(MCollective::Logger::Console_logger.new) rescue nil

  ddl = MCollective::DDL::AgentDDL.new(name, :agent, false)
  ddl.instance_eval(File.read(path), path, 1)

  meta = ddl.meta
  raise "#{path} has no metadata" if meta.nil? || meta.empty?

  doc = {
    "$schema" => "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
    "metadata" => {
      "name" => meta[:name].to_s,
      "description" => meta[:description].to_s,
      "author" => meta[:author].to_s,
      "license" => meta[:license].to_s,
      "version" => meta[:version].to_s,
      "url" => meta[:url].to_s,
      "timeout" => Integer(meta[:timeout]),
    },
    "actions" => [],
  }

  ddl.entities.each do |action, entity|
    inputs = {}
    (entity[:input] || {}).each do |input, props|
      item = {
        "prompt" => props[:prompt].to_s,
        "description" => props[:description].to_s,
        "type" => props[:type].to_s,
        "default" => scalar(props[:default]),
        "optional" => props[:optional] ? true : false,
      }
      case props[:type]
      when :string
        item["validation"] = scalar(props[:validation]).to_s
        item["maxlength"] = Integer(props[:maxlength] || 0)
      when :list
        item["list"] = Array(props[:list]).map { |v| scalar(v).to_s }
      end
      inputs[input.to_s] = item
    end

    outputs = {}
    (entity[:output] || {}).each do |output, props|
      outputs[output.to_s] = {
        "description" => props[:description].to_s,
        "display_as" => props[:display_as].to_s,
        "default" => scalar(props[:default]),
      }
    end

    item = {
      "action" => action.to_s,
      "input" => inputs,
      "output" => outputs,
      "display" => entity[:display].to_s,
      "description" => entity[:description].to_s,
    }

    if entity[:aggregate]
      item["aggregate"] = entity[:aggregate].map do |agg|
        args = Array(agg[:args]).map { |a| scalar(a) }
        args << { "format" => agg[:format].to_s } if agg[:format]
        { "function" => agg[:function].to_s, "args" => args }
      end
    end

    doc["actions"] << item
  end

  puts JSON.pretty_generate(doc)
rescue Exception => e # rubocop:disable Lint/RescueException - a DDL may raise anything, even SyntaxError
  warn "#{path}: #{e.class}: #{e.message}"
  exit 1
end
