package io.syndrop.filter;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrTest {
    @Test
    void parsesIpv4AndIpv6LiteralsAndPrefixes() {
        Cidr host = Cidr.parse("192.0.2.7");
        assertEquals(32, host.prefix());
        assertFalse(host.isIpv6());
        assertArrayEquals(new byte[] {(byte) 192, 0, 2, 7}, host.address());

        Cidr net = Cidr.parse(" 10.0.0.0/8 ");
        assertEquals(8, net.prefix());
        assertTrue(net.contains("10.255.1.2"));
        assertFalse(net.contains("11.0.0.1"));

        Cidr v6 = Cidr.parse("fd00::/8");
        assertTrue(v6.isIpv6());
        assertEquals(8, v6.prefix());
        assertTrue(v6.contains("fd12:3456::1"));
        assertFalse(v6.contains("fe80::1"));
        assertEquals(128, Cidr.parse("2001:db8::1").prefix());
        assertTrue(Cidr.parse("2001:db8::/32").contains("2001:db8:0:1::5"));
        assertEquals(0, Cidr.parse("0.0.0.0/0").prefix());
        assertTrue(Cidr.parse("0.0.0.0/0").contains("203.0.113.9"));
        assertFalse(Cidr.parse("0.0.0.0/0").contains("::1"), "an IPv4 prefix never matches an IPv6 source");
        assertTrue(Cidr.parse("10.1.2.0/23").contains("10.1.3.255"));
        assertFalse(Cidr.parse("10.1.2.0/23").contains("10.1.4.0"));
    }

    @Test
    void refusesWhatIsNotALiteralWithoutResolvingIt() {
        for (String bad : new String[] {"999.1.1.1", "12345", "1.2.3", "example.com", "localhost", "0x7f.0.0.1",
                "010.0.0.1", "fe80::1%lo", "", "/8", "1.2.3.4.5", "::g"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        for (String bad : new String[] {"10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/", "10.0.0.0/8x",
                "10.0.0.0/0008"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
            assertTrue(e.getMessage().contains("prefix length"), e.getMessage());
        }
    }

    @Test
    void anEventAddressThatIsNotALiteralMatchesNothing() {
        assertFalse(Cidr.parse("0.0.0.0/0").contains("999.1.1.1"));
        assertFalse(Cidr.parse("0.0.0.0/0").contains((String) null));
    }
}
