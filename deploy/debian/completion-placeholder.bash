# bash completion for syndrop (placeholder): this build's command line does not generate a
# completion script yet; `syndrop help` lists the commands and options.
