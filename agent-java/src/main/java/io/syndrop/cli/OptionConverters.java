package io.syndrop.cli;

import io.syndrop.input.Durations;
import io.syndrop.input.Sizes;
import io.syndrop.filter.Cidr;
import io.syndrop.filter.EventFilter;
import io.syndrop.proto.v1.Reason;
import io.syndrop.wire.HostPort;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The value types of syndrop's options, as picocli converters. A bad value becomes a usage error
 * worded as before picocli, the option's name followed by {@link BadValue}'s text
 * ("--listen expects an IP address ...", "--src: '999.1.1.1' is not an IP address ...").
 * Ranges are checked by {@link OptionRanges} once the option is known, so one converter serves
 * every option of its type.
 */
final class OptionConverters {
    private OptionConverters() {}

    /** A value its converter refused; the message is what follows the option's name. */
    static final class BadValue extends TypeConversionException {
        BadValue(String afterOptionName) {
            super(afterOptionName);
        }
    }

    /** 30s, 10m, 1h, 2d, 250ms or plain seconds; never negative, at most {@link Durations#MAX}. */
    static final class DurationValue implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String v) {
            try {
                return Durations.parse("", v);
            } catch (RuntimeException e) {
                throw new BadValue(e.getMessage());
            }
        }
    }

    /** 256M, 100K, 2G, 1T or bytes. */
    static final class SizeValue implements ITypeConverter<Long> {
        @Override
        public Long convert(String v) {
            try {
                return Sizes.parse(v);
            } catch (NumberFormatException e) {
                throw new BadValue(" expects a size like 256M (K, M, G, T or bytes), got '" + v + "'");
            }
        }
    }

    /** HOST:PORT to connect to; the host is resolved only when connecting, never while parsing. */
    static final class HostPortValue implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String v) {
            try {
                return HostPort.parse("", v);
            } catch (RuntimeException e) {
                throw new BadValue(e.getMessage());
            }
        }
    }

    /** IP:PORT to listen on: an address literal, so parsing never looks a name up. */
    static final class ListenValue implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String v) {
            try {
                return HostPort.parseListen("", v);
            } catch (RuntimeException e) {
                throw new BadValue(e.getMessage());
            }
        }
    }

    static final class CidrValue implements ITypeConverter<Cidr> {
        @Override
        public Cidr convert(String v) {
            try {
                return Cidr.parse(v);
            } catch (IllegalArgumentException e) {
                throw new BadValue(": " + e.getMessage());
            }
        }
    }

    static final class ReasonValue implements ITypeConverter<Reason> {
        @Override
        public Reason convert(String v) {
            try {
                return EventFilter.parseReason(v.strip());
            } catch (IllegalArgumentException e) {
                throw new BadValue(": " + e.getMessage());
            }
        }
    }
}
