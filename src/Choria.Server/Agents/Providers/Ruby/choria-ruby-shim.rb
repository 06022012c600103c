#!/usr/bin/env ruby
# Choria's Ruby agent shim: runs one action of an MCollective Ruby agent for the Choria server
# (docs/agents.md, "Ruby agents").
#
#   choria-ruby-shim.rb --config <file>               one request on stdin, the reply on stdout
#   choria-ruby-shim.rb --config <file> --activation  {"agent": "name"} on stdin, {"activate": bool} on stdout
#
# The request is {"agent","action","requestid","senderid","callerid","collective","ttl","msgtime",
# "body": {"agent","action","data","caller"}} and the reply {"statuscode","statusmsg","data"}.
# The action runs through MCollective's own RPC::Agent#handlemsg, so DDL validation, validate,
# reply.fail!, activate? and config.pluginconf behave as under mcollectived. Authorization and
# auditing are done by the Choria server before the shim is started.
#
# <file> is read for libdir, loglevel, identity, collectives, activate_agents and every
# plugin.<name>.<key> (config.pluginconf), plus <dir of file>/plugin.d/<name>.cfg as MCollective does.
# CHORIA_RUBY_LIBDIR (path list) adds library directories; CHORIA_RUBY_AGENT_FILE names the agent's .rb.
require "json"

$choria_reply_out = STDOUT.dup
# Anything the agent or its children print must not corrupt the reply: fd 1 now goes to stderr.
STDOUT.reopen(STDERR)
$stdout = STDERR

def choria_emit(doc)
  $choria_reply_out.write(JSON.generate(doc))
  $choria_reply_out.write("\n")
  $choria_reply_out.flush
end

def choria_fail(message)
  choria_emit("statuscode" => 1, "statusmsg" => "Choria MCollective Compatibility Layer failed to invoke the action: #{message}", "data" => {})
end

# Compatibility with newer Rubies than MCollective 2.12 was written for.
unless File.respond_to?(:exists?)
  def File.exists?(path)
    File.exist?(path)
  end
end

begin
  require "mcollective"
rescue LoadError => e
  choria_fail("MCollective is not installed for #{RUBY_DESCRIPTION}: #{e.message}")
  exit 0
end

require "yaml"
# Psych 4 (Ruby 3.1) made safe_load's options keywords; MCollective 2.12 passes them positionally.
if YAML.method(:safe_load).arity == -2 && Gem::Version.new(Psych::VERSION) >= Gem::Version.new("4")
  module Psych
    class << self
      alias_method :choria_keyword_safe_load, :safe_load

      def safe_load(yaml, permitted_classes_pos = nil, permitted_symbols_pos = nil, aliases_pos = nil, filename_pos = nil, **kwargs)
        kwargs[:permitted_classes] ||= permitted_classes_pos if permitted_classes_pos
        kwargs[:permitted_symbols] ||= permitted_symbols_pos if permitted_symbols_pos
        kwargs[:aliases] = aliases_pos unless aliases_pos.nil? || kwargs.key?(:aliases)
        kwargs[:filename] ||= filename_pos if filename_pos
        choria_keyword_safe_load(yaml, **kwargs)
      end
    end
  end
end

module MCollective
  module DDL
    # Agents deployed with only a JSON DDL (<name>.json) are loaded from it when no <name>.ddl exists.
    class Base
      alias_method :choria_ruby_loadddlfile, :loadddlfile

      def loadddlfile
        return choria_ruby_loadddlfile if findddlfile || @plugintype != :agent

        json = @config.libdir.map { |dir| File.join(dir, "mcollective", "agent", "#{@pluginname}.json") }.find { |f| File.file?(f) }
        return choria_ruby_loadddlfile unless json

        choria_load_json_ddl(JSON.parse(File.read(json)))
      end

      VALIDATOR_PLUGINS = %w[shellsafe ipv4address ipv6address boolean array length regex typecheck].freeze

      def choria_load_json_ddl(doc)
        meta = doc["metadata"] || {}
        @meta = meta.each_with_object({}) { |(k, v), h| h[k.to_sym] = v }
        (doc["actions"] || []).each do |act|
          name = act["action"]
          @entities[name] = {
            :action => name,
            :description => act["description"],
            :display => (act["display"] || "failed").to_sym,
            :input => {},
            :output => {},
          }
          (act["input"] || {}).each do |input, p|
            validation = p["validation"]
            validation = validation.to_sym if VALIDATOR_PLUGINS.include?(validation)
            @entities[name][:input][input.to_sym] = {
              :prompt => p["prompt"], :description => p["description"], :type => p["type"].to_s.to_sym,
              :default => p["default"], :optional => p["optional"] ? true : false,
              :validation => validation, :maxlength => p["maxlength"], :list => p["list"],
            }
          end
          (act["output"] || {}).each do |output, p|
            @entities[name][:output][output.to_sym] = {:description => p["description"], :display_as => p["display_as"], :default => p["default"]}
          end
        end
      end
    end
  end
end

def choria_configure(file)
  config = MCollective::Config.instance
  config.set_config_defaults(file)
  libdirs = []
  File.readlines(file).each do |line|
    line = line.strip
    next if line.empty? || line.start_with?("#")
    next unless line =~ /\A(.+?)\s*=\s*(.*)\z/

    key = $1.strip
    val = $2.strip
    case key
    when "libdir", "plugin.choria.agent_provider.mcorpc.libdir"
      libdirs.concat(val.split(File::PATH_SEPARATOR))
    when "loglevel"
      config.instance_variable_set(:@loglevel, val)
    when "identity"
      config.instance_variable_set(:@identity, val)
    when "collectives"
      config.instance_variable_set(:@collectives, val.split(",").map(&:strip))
    when "main_collective"
      config.instance_variable_set(:@main_collective, val)
    when "classesfile"
      config.instance_variable_set(:@classesfile, val)
    when "activate_agents"
      config.instance_variable_set(:@activate_agents, MCollective::Util.str_to_bool(val))
    when /\Aplugin\.(.+)\z/
      config.pluginconf[$1] = val
    end
  end
  libdirs.concat(ENV.fetch("CHORIA_RUBY_LIBDIR", "").split(File::PATH_SEPARATOR))
  config.read_plugin_config_dir(File.join(File.dirname(file), "plugin.d"))
  config.instance_variable_set(:@main_collective, config.collectives.first) if config.main_collective.nil?
  config.instance_variable_set(:@mode, :server)
  config.instance_variable_set(:@logger_type, "console")
  config.instance_variable_set(:@color, false)
  # Choria authorizes and audits before the shim runs; MCollective's own plugins are not configured here.
  config.instance_variable_set(:@rpcauthorization, false)
  config.instance_variable_set(:@rpcaudit, false)
  config.instance_variable_set(:@configured, true)
  libdirs.reject(&:empty?).reverse_each do |dir|
    $LOAD_PATH.delete(dir)
    $LOAD_PATH.unshift(dir)
  end
  MCollective::Log.configure
end

def choria_load_agent(name)
  raise "invalid agent name #{name.inspect}" unless name.is_a?(String) && name =~ /\A[a-z0-9_]+\z/

  file = ENV["CHORIA_RUBY_AGENT_FILE"]
  file = nil if file && file.empty?
  file ||= $LOAD_PATH.map { |dir| File.join(dir, "mcollective", "agent", "#{name}.rb") }.find { |f| File.file?(f) }
  raise "cannot find the agent file mcollective/agent/#{name}.rb in the libdirs" unless file

  klass_name = name.capitalize
  load(file) unless MCollective::Agent.const_defined?(klass_name, false)
  MCollective::Agent.const_get(klass_name, false)
end

def choria_symbolize(data)
  return {} unless data.is_a?(Hash)

  data.each_with_object({}) { |(k, v), h| h[k.to_sym] = v }
end

config_file = nil
activation = false
args = ARGV.dup
until args.empty?
  case (arg = args.shift)
  when "--config" then config_file = args.shift
  when "--activation" then activation = true
  else
    choria_fail("unknown argument #{arg}")
    exit 0
  end
end

begin
  raise "no configuration file given (--config)" if config_file.nil? || config_file.empty?
  raise "configuration file #{config_file} does not exist" unless File.file?(config_file)

  request = JSON.parse(STDIN.read)
  raise "the request is not a JSON object" unless request.is_a?(Hash)

  choria_configure(config_file)
  agent_class = choria_load_agent(request["agent"])

  if activation
    choria_emit("activate" => agent_class.activate? ? true : false)
    exit 0
  end

  body = request["body"].is_a?(Hash) ? request["body"] : {}
  msg = {
    :msgtime => request["msgtime"],
    :senderid => request["senderid"],
    :requestid => request["requestid"],
    :callerid => request["callerid"],
    :collective => request["collective"],
    :ttl => request["ttl"],
    :body => {
      :agent => body["agent"] || request["agent"],
      :action => body["action"] || request["action"],
      :caller => body["caller"] || request["callerid"],
      :data => choria_symbolize(body["data"]),
    },
  }

  agent = agent_class.new
  reply = agent.handlemsg(msg, nil) || {:statuscode => 0, :statusmsg => "OK", :data => {}}
  choria_emit("statuscode" => reply[:statuscode], "statusmsg" => reply[:statusmsg], "data" => reply[:data] || {})
rescue SystemExit
  raise
rescue Exception => e # rubocop:disable Lint/RescueException - agents raise anything, the reply must still be written
  warn "#{e.class}: #{e.message}\n\t#{Array(e.backtrace).first(10).join("\n\t")}"
  if activation
    choria_emit("activate" => false, "error" => "#{e.class}: #{e.message}")
  else
    choria_fail(e.message)
  end
end
